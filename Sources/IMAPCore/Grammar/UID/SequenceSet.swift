/// A set of message sequence numbers (`sequence-set`, RFC 3501 §9), e.g. `1:5,9,12:*`.
///
/// Ranges keep the order they were written in (for exact re-encoding); ``star`` (`UInt32.max`)
/// stands for `*`. Iteration, ``count`` and ``contains(_:)`` see the sorted, merged values.
public struct SequenceSet: Hashable, Sendable, Sequence, CustomStringConvertible {
    /// What `*` (the largest number in use) is stored as.
    public static let star: UInt32 = .max

    var storage: NumberRanges

    /// The ranges as written; every bound is ≥ 1.
    public var ranges: [ClosedRange<UInt32>] { storage.ranges }

    /// Nil when `ranges` is empty or contains 0.
    public init?(ranges: [ClosedRange<UInt32>]) {
        guard let storage = NumberRanges(ranges) else { return nil }
        self.storage = storage
    }

    /// Nil when `numbers` is empty or contains 0.
    public init?<S: Sequence<UInt32>>(numbers: S) {
        guard let storage = NumberRanges(numbers: numbers) else { return nil }
        self.storage = storage
    }

    /// A bound of 0 is raised to 1.
    public init(_ range: ClosedRange<UInt32>) {
        self.storage = NumberRanges(nonZero: Swift.max(1, range.lowerBound)...Swift.max(1, range.upperBound))
    }

    /// Parses the wire form (`1:5,9,12:*`).
    public init?(parsing text: String) {
        guard let storage = NumberRanges(parsing: text) else { return nil }
        self.storage = storage
    }

    init(storage: NumberRanges) { self.storage = storage }

    /// The wire form, e.g. `1:5,9,12:*`.
    public var imapString: String { storage.imapString }
    public var description: String { storage.imapString }
    /// How many distinct numbers the set holds.
    public var count: Int { storage.count }
    public func contains(_ number: UInt32) -> Bool { storage.contains(number) }
    /// Sorted with overlapping and adjacent ranges merged.
    public func normalized() -> SequenceSet { SequenceSet(storage: storage.normalized()) }

    public struct Iterator: IteratorProtocol {
        var base: NumberRanges.Iterator
        public mutating func next() -> UInt32? { base.next() }
    }

    public func makeIterator() -> Iterator { Iterator(base: .init(NumberRanges.merged(storage.ranges))) }
}
