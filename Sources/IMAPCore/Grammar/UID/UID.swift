/// A message's unique identifier (RFC 3501 §2.3.1.1, `uniqueid = nz-number`): never 0.
public struct UID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32

    /// The largest UID, also what `*` stands for in a ``UIDSet``.
    public static let max = UID(validated: .max)
    public static let min = UID(validated: 1)

    /// Returns nil for 0, which is not a UID.
    public init?(rawValue: UInt32) {
        guard rawValue != 0 else { return nil }
        self.rawValue = rawValue
    }

    public init?(_ value: UInt32) { self.init(rawValue: value) }

    init(validated value: UInt32) { self.rawValue = value }

    public static func < (lhs: UID, rhs: UID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
}
