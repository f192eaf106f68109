/// Options of SELECT/EXAMINE: RFC 7162 `(CONDSTORE)` or `(QRESYNC (…))`.
public struct SelectParameters: Hashable, Sendable {
    public var condstore: Bool
    public var qresync: QResyncParameters?

    public init(condstore: Bool = false, qresync: QResyncParameters? = nil) {
        self.condstore = condstore
        self.qresync = qresync
    }
}

/// `QRESYNC (uidvalidity modseq [known-uids] [seq-match-data])` (RFC 7162 §3.2.5).
public struct QResyncParameters: Hashable, Sendable {
    public var uidValidity: UIDValidity
    /// The HIGHESTMODSEQ the client last saw (`mod-sequence-value`, so not 0).
    public var modSeq: ModSequence
    public var knownUIDs: UIDSet?
    public var sequenceMatch: SequenceMatch?

    public init(uidValidity: UIDValidity, modSeq: ModSequence, knownUIDs: UIDSet? = nil,
                sequenceMatch: SequenceMatch? = nil) {
        self.uidValidity = uidValidity
        self.modSeq = modSeq
        self.knownUIDs = knownUIDs
        self.sequenceMatch = sequenceMatch
    }
}
