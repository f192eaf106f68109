/// Which mailboxes to synchronise and what to create or (un)subscribe first (InterIMAP's
/// `sync_mailbox_list`), from both sides' listings and the database.
public enum MailboxListPlanner {
    /// A listed mailbox of one side.
    public struct Listed: Hashable, Sendable {
        public var isSelectable: Bool
        public var isSubscribed: Bool

        public init(isSelectable: Bool = true, isSubscribed: Bool) {
            self.isSelectable = isSelectable
            self.isSubscribed = isSubscribed
        }
    }

    public enum Action: Hashable, Sendable {
        /// Create the mailbox on `side` (it exists on the other only), subscribed or not.
        case create(Side, StoredMailboxName, subscribe: Bool)
        case setSubscribed(Side, StoredMailboxName, Bool)
        /// A new row of `mailboxes`.
        case recordMailbox(StoredMailboxName, subscribed: Bool)
        case recordSubscribed(mailbox: Int64, Bool)
    }

    public struct Plan: Hashable, Sendable {
        /// In name order.
        public var mailboxes: [StoredMailboxName]
        public var actions: [Action]
        /// Known to the database but on one side only: deleted on the other side. Not synced;
        /// the user decides (interimap: `--target=database --delete`).
        public var deletedOnOneSide: [(StoredMailboxName, missingOn: Side)]

        public static func == (lhs: Plan, rhs: Plan) -> Bool {
            lhs.mailboxes == rhs.mailboxes && lhs.actions == rhs.actions
                && lhs.deletedOnOneSide.map(\.0) == rhs.deletedOnOneSide.map(\.0)
                && lhs.deletedOnOneSide.map(\.missingOn) == rhs.deletedOnOneSide.map(\.missingOn)
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(mailboxes)
            hasher.combine(actions)
        }
    }

    /// `ignored` is not applied to names the user asked for explicitly (as interimap's `@ARGV`).
    public static func plan(listed: PerSide<[StoredMailboxName: Listed]>, stored: [StoredMailbox],
                            ignored: (StoredMailboxName) -> Bool) -> Plan {
        let known = Dictionary(stored.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var plan = Plan(mailboxes: [], actions: [], deletedOnOneSide: [])
        let names = Set(listed.local.keys).union(listed.remote.keys).filter { !ignored($0) }.sorted()
        for name in names {
            let exists = PerSide { listed[$0][name]?.isSelectable == true }
            let subscribed = PerSide { listed[$0][name]?.isSubscribed == true }
            guard exists.local || exists.remote else { continue }
            let record = known[name]
            guard exists.local && exists.remote else {
                let present: Side = exists.local ? .local : .remote
                if record != nil {
                    plan.deletedOnOneSide.append((name, missingOn: present.other))
                    continue
                }
                plan.mailboxes.append(name)
                plan.actions.append(.recordMailbox(name, subscribed: subscribed[present]))
                plan.actions.append(.create(present.other, name, subscribe: subscribed[present]))
                continue
            }
            plan.mailboxes.append(name)
            guard let record else {
                // New on both: subscribed everywhere if subscribed anywhere.
                let wanted = subscribed.local || subscribed.remote
                plan.actions.append(.recordMailbox(name, subscribed: wanted))
                for side in Side.allCases where wanted && !subscribed[side] {
                    plan.actions.append(.setSubscribed(side, name, true))
                }
                continue
            }
            if subscribed.local != subscribed.remote {
                // One side changed since the last run: the database says which.
                let changed: Side = subscribed.local != record.isSubscribed ? .local : .remote
                plan.actions.append(.setSubscribed(changed.other, name, subscribed[changed]))
                plan.actions.append(.recordSubscribed(mailbox: record.id, subscribed[changed]))
            } else if subscribed.local != record.isSubscribed {
                plan.actions.append(.recordSubscribed(mailbox: record.id, subscribed.local))
            }
        }
        return plan
    }
}
