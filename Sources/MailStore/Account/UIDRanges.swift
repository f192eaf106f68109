
/// Ascending UID lists as ranges.
enum UIDRanges {
    static func compress(_ sorted: [UInt32]) -> [ClosedRange<UInt32>] {
        var out: [ClosedRange<UInt32>] = []
        for uid in sorted {
            if let last = out.last, last.upperBound != .max, last.upperBound + 1 == uid {
                out[out.count - 1] = last.lowerBound...uid
            } else if out.last?.contains(uid) != true {
                out.append(uid...uid)
            }
        }
        return out
    }

    /// The parts of `range` not in `present` (ascending, inside `range`).
    static func complement(of present: [UInt32], in range: ClosedRange<UInt32>) -> [ClosedRange<UInt32>] {
        var out: [ClosedRange<UInt32>] = []
        var next = UInt64(range.lowerBound)
        for uid in present where UInt64(uid) >= next {
            if UInt64(uid) > next { out.append(UInt32(next)...(uid - 1)) }
            next = UInt64(uid) + 1
        }
        if next <= UInt64(range.upperBound) { out.append(UInt32(next)...range.upperBound) }
        return out
    }
}
