/// A mailbox's UIDVALIDITY (RFC 3501 §2.3.1.1, `uidvalidity = nz-number`): never 0.
///
/// UIDs are only meaningful together with the UIDVALIDITY they were seen under: when it changes,
/// every UID the client knows for the mailbox is void.
///
/// Deliberately not `ExpressibleByIntegerLiteral`: `UIDValidity(0)` would then be a literal that
/// traps instead of the failable initialiser returning nil.
public struct UIDValidity: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32

    /// Returns nil for 0, which is not a UIDVALIDITY.
    public init?(rawValue: UInt32) {
        guard rawValue != 0 else { return nil }
        self.rawValue = rawValue
    }

    public init?(_ value: UInt32) { self.init(rawValue: value) }

    init(validated value: UInt32) { self.rawValue = value }

    public static func < (lhs: UIDValidity, rhs: UIDValidity) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
}
