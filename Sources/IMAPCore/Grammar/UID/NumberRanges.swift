/// Shared storage of ``SequenceSet`` and ``UIDSet``: non-empty ranges of non-zero numbers,
/// kept in the order written; `UInt32.max` stands for `*`.
///
/// Nothing here expands a range into its numbers: counting, membership and the set algebra
/// work on ranges, so `1:*` costs as little as `1`.
struct NumberRanges: Hashable, Sendable {
    private(set) var ranges: [ClosedRange<UInt32>]

    /// One range whose lower bound the caller guarantees to be ≥ 1.
    init(nonZero range: ClosedRange<UInt32>) {
        self.ranges = [range]
    }

    init?(_ ranges: [ClosedRange<UInt32>]) {
        guard !ranges.isEmpty, ranges.allSatisfy({ $0.lowerBound != 0 }) else { return nil }
        self.ranges = ranges
    }

    /// Collapses the numbers into sorted, merged ranges.
    init?<S: Sequence<UInt32>>(numbers: S) {
        var ranges: [ClosedRange<UInt32>] = []
        for n in numbers.sorted() {
            guard n != 0 else { return nil }
            if let last = ranges.last, last.upperBound == .max || n <= last.upperBound + 1 {
                ranges[ranges.count - 1] = last.lowerBound...Swift.max(last.upperBound, n)
            } else {
                ranges.append(n...n)
            }
        }
        self.init(ranges)
    }

    /// Parses `sequence-set` (RFC 3501 §9) from a string such as `1:5,9,12:*`.
    init?(parsing text: String) {
        var ranges: [ClosedRange<UInt32>] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let ends = item.split(separator: ":", omittingEmptySubsequences: false)
            guard ends.count == 1 || ends.count == 2 else { return nil }
            guard let a = Self.number(ends[0]) else { return nil }
            let b = ends.count == 2 ? Self.number(ends[1]) : a
            guard let b else { return nil }
            ranges.append(Swift.min(a, b)...Swift.max(a, b))
        }
        self.init(ranges)
    }

    private static func number(_ s: Substring) -> UInt32? {
        if s == "*" { return .max }
        guard !s.isEmpty, s.count <= 10, s.allSatisfy({ $0.isASCII && $0.isNumber }),
              let n = UInt32(s), n != 0 else { return nil }
        return n
    }

    /// Wire form: `1:5,9,12:*`.
    var imapString: String {
        ranges.map { r in
            let lo = r.lowerBound == .max ? "*" : String(r.lowerBound)
            if r.lowerBound == r.upperBound { return lo }
            return lo + ":" + (r.upperBound == .max ? "*" : String(r.upperBound))
        }.joined(separator: ",")
    }

    /// Number of distinct values; at most `UInt32.max` (for `1:*`), so it fits an `Int` on every
    /// 64-bit platform and is summed in `UInt64`, which cannot overflow.
    var count: Int {
        let total = Self.merged(ranges).reduce(UInt64(0)) { $0 + UInt64($1.upperBound - $1.lowerBound) + 1 }
        return Int(clamping: total)
    }

    var lowest: UInt32 { ranges.lazy.map(\.lowerBound).min() ?? 1 }
    var highest: UInt32 { ranges.lazy.map(\.upperBound).max() ?? 1 }

    func contains(_ n: UInt32) -> Bool { ranges.contains { $0.contains(n) } }

    /// Sorted, with overlapping and adjacent ranges merged.
    func normalized() -> NumberRanges {
        var copy = self
        copy.ranges = Self.merged(ranges)
        return copy
    }

    // MARK: - Set algebra (results normalised; nil when empty)

    func union(_ other: NumberRanges) -> NumberRanges {
        var copy = self
        copy.ranges = Self.merged(ranges + other.ranges)
        return copy
    }

    mutating func insert(_ range: ClosedRange<UInt32>) {
        ranges = Self.merged(ranges + [Swift.max(1, range.lowerBound)...Swift.max(1, range.upperBound)])
    }

    func intersection(_ other: NumberRanges) -> NumberRanges? {
        let a = Self.merged(ranges), b = Self.merged(other.ranges)
        var out: [ClosedRange<UInt32>] = []
        var i = 0, j = 0
        while i < a.count, j < b.count {
            let lo = Swift.max(a[i].lowerBound, b[j].lowerBound)
            let hi = Swift.min(a[i].upperBound, b[j].upperBound)
            if lo <= hi { out.append(lo...hi) }
            if a[i].upperBound < b[j].upperBound { i += 1 } else { j += 1 }
        }
        return NumberRanges(out)
    }

    func subtracting(_ other: NumberRanges) -> NumberRanges? {
        let removed = Self.merged(other.ranges)
        var out: [ClosedRange<UInt32>] = []
        var j = 0
        for range in Self.merged(ranges) {
            var lo = range.lowerBound
            var open = true  // whether [lo, range.upperBound] still has values to keep
            // Skip removals entirely below this range; they cannot touch later ranges either.
            while j < removed.count, removed[j].upperBound < lo { j += 1 }
            var k = j
            while open, k < removed.count, removed[k].lowerBound <= range.upperBound {
                let cut = removed[k]
                if cut.lowerBound > lo { out.append(lo...(cut.lowerBound - 1)) }
                if cut.upperBound >= range.upperBound {
                    open = false
                } else {
                    lo = Swift.max(lo, cut.upperBound + 1)
                    k += 1
                }
            }
            if open { out.append(lo...range.upperBound) }
        }
        return NumberRanges(out)
    }

    /// Sorts and merges overlapping and adjacent ranges.
    static func merged(_ ranges: [ClosedRange<UInt32>]) -> [ClosedRange<UInt32>] {
        var merged: [ClosedRange<UInt32>] = []
        for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, last.upperBound == .max || r.lowerBound <= last.upperBound + 1 {
                merged[merged.count - 1] = last.lowerBound...Swift.max(last.upperBound, r.upperBound)
            } else {
                merged.append(r)
            }
        }
        return merged
    }

    /// Iterates the normalised values in ascending order, lazily.
    struct Iterator: IteratorProtocol {
        let ranges: [ClosedRange<UInt32>]
        var rangeIndex = 0
        var nextValue: UInt32?

        init(_ ranges: [ClosedRange<UInt32>]) {
            self.ranges = ranges
            self.nextValue = ranges.first?.lowerBound
        }

        mutating func next() -> UInt32? {
            guard let value = nextValue else { return nil }
            if value < ranges[rangeIndex].upperBound {
                nextValue = value + 1
            } else {
                rangeIndex += 1
                nextValue = rangeIndex < ranges.count ? ranges[rangeIndex].lowerBound : nil
            }
            return value
        }
    }
}
