import IMAPCore

/// A row of `mailboxes`.
public struct StoredMailbox: Hashable, Sendable {
    /// `mailboxes.idx`, the key of the other tables.
    public var id: Int64
    public var name: StoredMailboxName
    public var isSubscribed: Bool

    public init(id: Int64, name: StoredMailboxName, isSubscribed: Bool) {
        self.id = id
        self.name = name
        self.isSubscribed = isSubscribed
    }
}

/// A row of `local` or `remote`: where one side of a mailbox was left at the last commit (the
/// same three counters as a listed status). Invariants (InterIMAP's): every change below
/// UIDNEXT and up to HIGHESTMODSEQ has been propagated; both are 0 before the first commit.
public typealias SideState = MailboxSnapshot

/// One pair of `mapping`: the same message on both sides.
public struct UIDPair: Hashable, Sendable, CustomStringConvertible {
    public var local: UID
    public var remote: UID

    public init(local: UID, remote: UID) {
        self.local = local
        self.remote = remote
    }

    public subscript(side: Side) -> UID { side == .local ? local : remote }

    /// A pair from one side's UID and the other's.
    public init(_ side: Side, _ uid: UID, other: UID) {
        self = side == .local ? UIDPair(local: uid, remote: other) : UIDPair(local: other, remote: uid)
    }

    public var description: String { "(\(local),\(remote))" }
}

/// The mapping of one mailbox, looked up from either side.
public struct UIDMapping: Hashable, Sendable {
    private var toRemote: [UID: UID] = [:]
    private var toLocal: [UID: UID] = [:]

    public init<S: Sequence<UIDPair>>(_ pairs: S) {
        toRemote.reserveCapacity(pairs.underestimatedCount)
        toLocal.reserveCapacity(pairs.underestimatedCount)
        for pair in pairs { insert(pair) }
    }

    public init() {}

    public mutating func insert(_ pair: UIDPair) {
        toRemote[pair.local] = pair.remote
        toLocal[pair.remote] = pair.local
    }

    /// The UID on `side.other` of the message with `uid` on `side`.
    public func counterpart(of uid: UID, on side: Side) -> UID? {
        side == .local ? toRemote[uid] : toLocal[uid]
    }

    public func pair(_ uid: UID, on side: Side) -> UIDPair? {
        counterpart(of: uid, on: side).map { UIDPair(side, uid, other: $0) }
    }

    @discardableResult
    public mutating func remove(_ uid: UID, on side: Side) -> UIDPair? {
        guard let pair = pair(uid, on: side) else { return nil }
        toRemote[pair.local] = nil
        toLocal[pair.remote] = nil
        return pair
    }

    public var pairs: [UIDPair] {
        toRemote.map { UIDPair(local: $0.key, remote: $0.value) }.sorted { $0.local < $1.local }
    }

    public var count: Int { toRemote.count }
    public func uids(on side: Side) -> [UID] { (side == .local ? Array(toRemote.keys) : Array(toLocal.keys)).sorted() }
}
