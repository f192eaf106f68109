/// A set of UIDs (`uid-set` / `sequence-set` of UIDs, RFC 4315, RFC 7162 `known-uids`).
///
/// Ranges keep the order they were written in; `UID.max` stands for `*`. Iteration, ``count``
/// and ``contains(_:)`` see the sorted, merged values.
public struct UIDSet: Hashable, Sendable, Sequence, CustomStringConvertible {
    var storage: NumberRanges

    /// The ranges as written.
    public var ranges: [ClosedRange<UID>] {
        storage.ranges.map { UID(validated: $0.lowerBound)...UID(validated: $0.upperBound) }
    }

    /// Nil when `ranges` is empty.
    public init?(ranges: [ClosedRange<UID>]) {
        guard let storage = NumberRanges(ranges.map { $0.lowerBound.rawValue...$0.upperBound.rawValue }) else { return nil }
        self.storage = storage
    }

    /// Nil when `uids` is empty.
    public init?<S: Sequence<UID>>(uids: S) {
        guard let storage = NumberRanges(numbers: uids.map(\.rawValue)) else { return nil }
        self.storage = storage
    }

    public init(_ range: ClosedRange<UID>) {
        self.storage = NumberRanges(nonZero: range.lowerBound.rawValue...range.upperBound.rawValue)
    }

    public init(_ uid: UID) { self.init(uid...uid) }

    /// Parses the wire form (`1:5,9,12:*`).
    public init?(parsing text: String) {
        guard let storage = NumberRanges(parsing: text) else { return nil }
        self.storage = storage
    }

    init(storage: NumberRanges) { self.storage = storage }

    public var imapString: String { storage.imapString }
    public var description: String { storage.imapString }
    public var count: Int { storage.count }
    public func contains(_ uid: UID) -> Bool { storage.contains(uid.rawValue) }
    public func normalized() -> UIDSet { UIDSet(storage: storage.normalized()) }

    public struct Iterator: IteratorProtocol {
        var base: NumberRanges.Iterator
        public mutating func next() -> UID? { base.next().map(UID.init(validated:)) }
    }

    public func makeIterator() -> Iterator { Iterator(base: .init(storage.normalized().ranges)) }
}
