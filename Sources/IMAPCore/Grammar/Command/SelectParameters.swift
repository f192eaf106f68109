/// Options of SELECT/EXAMINE: RFC 7162 `(CONDSTORE)` or `(QRESYNC (…))`.
public struct SelectParameters: Hashable, Sendable {
    public var condstore: Bool
    public var qresync: QResyncParameters?

    public init(condstore: Bool = false, qresync: QResyncParameters? = nil) {
        self.condstore = condstore
        self.qresync = qresync
    }
}

/// `QRESYNC (uidvalidity modseq [known-uids])` (RFC 7162 §3.2.5).
public struct QResyncParameters: Hashable, Sendable {
    public var uidValidity: UIDValidity
    public var modSeq: ModSequence
    public var knownUIDs: UIDSet?

    public init(uidValidity: UIDValidity, modSeq: ModSequence, knownUIDs: UIDSet? = nil) {
        self.uidValidity = uidValidity
        self.modSeq = modSeq
        self.knownUIDs = knownUIDs
    }
}
