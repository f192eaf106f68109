import IMAPCore

/// Finds the same message twice by content, never by UID: move detection within a run, and
/// re-matching after a UIDVALIDITY change. A message without a content hash never matches
/// (a wrong match would lose mail; a missed one only costs a copy).
public enum MessageMatcher {
    /// A message in a mailbox of one side.
    public struct Located: Hashable, Sendable {
        public var mailbox: StoredMailboxName
        public var summary: MessageSummary

        public init(mailbox: StoredMailboxName, summary: MessageSummary) {
            self.mailbox = mailbox
            self.summary = summary
        }
    }

    /// A message expunged from one mailbox that reappeared in another: replay it as a MOVE on
    /// the other side instead of an expunge there plus a copy back.
    public struct DetectedMove: Hashable, Sendable {
        public var from: Located
        public var to: Located
    }

    /// Pairs messages expunged on one side with messages new on the same side in *other*
    /// mailboxes, by Message-ID, size and content hash; one to one, in mailbox and UID order.
    public static func detectMoves(expunged: [Located], appeared: [Located]) -> [DetectedMove] {
        var waiting = Dictionary(grouping: appeared.filter { moveKey($0.summary) != nil }) { moveKey($0.summary) }
            .mapValues { $0.sorted(by: locatedOrder) }
        var moves: [DetectedMove] = []
        for source in expunged.sorted(by: locatedOrder) {
            guard let key = moveKey(source.summary), let candidates = waiting[key],
                  let index = candidates.firstIndex(where: { $0.mailbox != source.mailbox }) else { continue }
            moves.append(DetectedMove(from: source, to: candidates[index]))
            waiting[key]?.remove(at: index)
        }
        return moves
    }

    /// The outcome of re-matching a mailbox whose UIDVALIDITY changed on one side.
    public struct Rematch: Hashable, Sendable {
        /// The new mapping's pairs.
        public var pairs: [UIDPair]
        /// Messages found on only one side: copied to the other (never dropped).
        public var unmatched: PerSide<[UID]>
    }

    /// After a UIDVALIDITY change on `changed`: pairs its current messages with the other side's
    /// by Message-ID, size, internal date and content hash (one to one, in UID order).
    public static func rematch(changed: Side, current: [MessageSummary], other: [MessageSummary]) -> Rematch {
        var waiting = Dictionary(grouping: current.filter { rematchKey($0) != nil }) { rematchKey($0) }
            .mapValues { $0.sorted { $0.uid < $1.uid } }
        var pairs: [UIDPair] = []
        var unmatchedOther: [UID] = []
        for message in other.sorted(by: { $0.uid < $1.uid }) {
            guard let key = rematchKey(message), let match = waiting[key]?.first else {
                unmatchedOther.append(message.uid)
                continue
            }
            waiting[key]?.removeFirst()
            pairs.append(UIDPair(changed, match.uid, other: message.uid))
        }
        let paired = Set(pairs.map { $0[changed] })
        var unmatched = PerSide<[UID]>(local: [], remote: [])
        unmatched[changed] = current.map(\.uid).filter { !paired.contains($0) }.sorted()
        unmatched[changed.other] = unmatchedOther
        return Rematch(pairs: pairs.sorted { $0.local < $1.local }, unmatched: unmatched)
    }

    private struct MoveKey: Hashable {
        var messageID: String?
        var size: Int
        var hash: ContentHash
    }

    private struct RematchKey: Hashable {
        var move: MoveKey
        var internalDate: Int64?
    }

    private static func moveKey(_ summary: MessageSummary) -> MoveKey? {
        summary.contentHash.map { MoveKey(messageID: summary.messageID, size: summary.size, hash: $0) }
    }

    private static func rematchKey(_ summary: MessageSummary) -> RematchKey? {
        moveKey(summary).map { RematchKey(move: $0, internalDate: summary.internalDate?.secondsSince1970) }
    }

    private static func locatedOrder(_ a: Located, _ b: Located) -> Bool {
        a.mailbox != b.mailbox ? a.mailbox < b.mailbox : a.summary.uid < b.summary.uid
    }
}
