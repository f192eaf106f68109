/// Shared storage of ``SequenceSet`` and ``UIDSet``: non-empty ranges of non-zero numbers,
/// kept in the order written; `UInt32.max` stands for `*`.
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
        let sorted = numbers.sorted()
        var ranges: [ClosedRange<UInt32>] = []
        for n in sorted {
            guard n != 0 else { return nil }
            if let last = ranges.last, last.upperBound != .max, n <= last.upperBound + 1 {
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

    /// Number of distinct values (a range to `*` counts up to `UInt32.max`).
    var count: Int { normalized().ranges.reduce(0) { $0 + Int($1.upperBound - $1.lowerBound) + 1 } }

    func contains(_ n: UInt32) -> Bool { ranges.contains { $0.contains(n) } }

    /// Sorted, with overlapping and adjacent ranges merged.
    func normalized() -> NumberRanges {
        var merged: [ClosedRange<UInt32>] = []
        for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, last.upperBound == .max || r.lowerBound <= last.upperBound + 1 {
                merged[merged.count - 1] = last.lowerBound...Swift.max(last.upperBound, r.upperBound)
            } else {
                merged.append(r)
            }
        }
        var copy = self
        copy.ranges = merged
        return copy
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
