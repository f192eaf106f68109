/// `* ESEARCH` (RFC 4731 §3.1, RFC 7162 MODSEQ). With `uid` true the numbers are UIDs.
public struct ESearchResponse: Hashable, Sendable {
    /// The tag of the SEARCH command (`(TAG "a1")`), if the server sent it.
    public var tag: String?
    public var uid: Bool
    public var min: UInt32?
    public var max: UInt32?
    public var count: UInt32?
    public var all: SequenceSet?
    public var modSeq: ModSequence?

    public init(tag: String? = nil, uid: Bool = false, min: UInt32? = nil, max: UInt32? = nil,
                count: UInt32? = nil, all: SequenceSet? = nil, modSeq: ModSequence? = nil) {
        self.tag = tag; self.uid = uid; self.min = min; self.max = max
        self.count = count; self.all = all; self.modSeq = modSeq
    }

    /// `all` as UIDs (for UID ESEARCH).
    public var allUIDs: UIDSet? { all.map(UIDSet.init) }
}
