/// A set of UIDs (`uid-set` / `sequence-set` of UIDs, RFC 4315, RFC 7162 `known-uids`).
///
/// Never empty, so every value can be sent: operations whose result may be empty
/// (``intersection(_:)``, ``subtracting(_:)``, ``init(uids:)``) return nil instead.
///
/// Ranges keep the order they were written in (so a set from the server re-encodes exactly, and
/// `==` compares that form; compare ``normalized()`` values for set equality). `UID.max` stands
/// for `*`, and the algebra treats it as the number 4294967295. Iteration, ``count``,
/// ``contains(_:)`` and the algebra see the sorted, merged values and never expand a range:
/// `1:*` is as cheap as `1` (except when iterated, which is lazy).
public struct UIDSet: Hashable, Sendable, Sequence, CustomStringConvertible {
    var storage: NumberRanges

    /// The ranges as written.
    public var ranges: [ClosedRange<UID>] { Self.uidRanges(storage.ranges) }

    /// The ranges sorted, with overlapping and adjacent ones merged.
    public var normalizedRanges: [ClosedRange<UID>] { Self.uidRanges(NumberRanges.merged(storage.ranges)) }

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

    /// The same numbers read as UIDs, losslessly (ranges and `*` kept as written): for
    /// `[MODIFIED set]` after UID STORE, or an ESEARCH `ALL` of a UID SEARCH.
    public init(_ sequenceSet: SequenceSet) { self.storage = sequenceSet.storage }

    /// Parses the wire form (`1:5,9,12:*`).
    public init?(parsing text: String) {
        guard let storage = NumberRanges(parsing: text) else { return nil }
        self.storage = storage
    }

    init(storage: NumberRanges) { self.storage = storage }

    public var imapString: String { storage.imapString }
    public var description: String { storage.imapString }
    /// How many distinct UIDs; 4294967295 for `1:*`, computed from the ranges.
    public var count: Int { storage.count }
    public func contains(_ uid: UID) -> Bool { storage.contains(uid.rawValue) }
    public func normalized() -> UIDSet { UIDSet(storage: storage.normalized()) }
    /// The smallest and the largest UID in the set.
    public var lowest: UID { UID(validated: storage.lowest) }
    public var highest: UID { UID(validated: storage.highest) }

    // MARK: - Set algebra (results are normalised)

    public func union(_ other: UIDSet) -> UIDSet { UIDSet(storage: storage.union(other.storage)) }
    public mutating func formUnion(_ other: UIDSet) { storage = storage.union(other.storage) }
    /// Nil when the sets have no UID in common.
    public func intersection(_ other: UIDSet) -> UIDSet? { storage.intersection(other.storage).map(UIDSet.init(storage:)) }
    /// Nil when nothing is left.
    public func subtracting(_ other: UIDSet) -> UIDSet? { storage.subtracting(other.storage).map(UIDSet.init(storage:)) }
    public func isSubset(of other: UIDSet) -> Bool { storage.subtracting(other.storage) == nil }
    public mutating func insert(_ uid: UID) { storage.insert(uid.rawValue...uid.rawValue) }
    public mutating func insert(_ range: ClosedRange<UID>) { storage.insert(range.lowerBound.rawValue...range.upperBound.rawValue) }

    public struct Iterator: IteratorProtocol {
        var base: NumberRanges.Iterator
        public mutating func next() -> UID? { base.next().map(UID.init(validated:)) }
    }

    public func makeIterator() -> Iterator { Iterator(base: .init(NumberRanges.merged(storage.ranges))) }

    private static func uidRanges(_ ranges: [ClosedRange<UInt32>]) -> [ClosedRange<UID>] {
        ranges.map { UID(validated: $0.lowerBound)...UID(validated: $0.upperBound) }
    }
}

extension SequenceSet {
    /// The same numbers as a sequence set, losslessly.
    public init(_ uidSet: UIDSet) { self.init(storage: uidSet.storage) }
}
