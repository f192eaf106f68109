extension GrammarCursor {
    /// sequence-set = (seq-number / seq-range) ["," sequence-set]
    /// seq-range = seq-number ":" seq-number
    /// seq-number = nz-number / "*"
    mutating func numberRanges() throws(GrammarError) -> NumberRanges {
        var ranges: [ClosedRange<UInt32>] = []
        repeat {
            let a = try seqNumber()
            var b = a
            if peek() == UInt8(ascii: ":") {
                index += 1
                b = try seqNumber()
            }
            ranges.append(min(a, b)...max(a, b))
            guard peek() == UInt8(ascii: ",") else { break }
            index += 1
        } while true
        if atEnd { throw .incomplete }
        guard let set = NumberRanges(ranges) else { throw fail("expected sequence set") }
        return set
    }

    private mutating func seqNumber() throws(GrammarError) -> UInt32 {
        if peek() == UInt8(ascii: "*") {
            index += 1
            return .max
        }
        return try nzNumber("expected sequence number")
    }

    mutating func sequenceSet() throws(GrammarError) -> SequenceSet { SequenceSet(storage: try numberRanges()) }

    /// uid-set (RFC 4315) / known-uids (RFC 7162): a sequence-set of UIDs.
    mutating func uidSet() throws(GrammarError) -> UIDSet { UIDSet(storage: try numberRanges()) }
}
