/// A message flag (`flag` / `flag-perm` / `flag-fetch`, RFC 3501 §2.3.2): a system flag such as
/// `\Seen`, the wildcard `\*` (in PERMANENTFLAGS), or a keyword such as `$Forwarded`.
///
/// The raw spelling is kept as sent. System flags (those starting with `\`) compare
/// case-insensitively; keywords compare exactly.
public struct MessageFlag: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public static let seen = MessageFlag("\\Seen")
    public static let answered = MessageFlag("\\Answered")
    public static let flagged = MessageFlag("\\Flagged")
    public static let deleted = MessageFlag("\\Deleted")
    public static let draft = MessageFlag("\\Draft")
    public static let recent = MessageFlag("\\Recent")
    /// `\*` in PERMANENTFLAGS: new keywords may be created.
    public static let wildcard = MessageFlag("\\*")
    public static let forwarded = MessageFlag("$Forwarded")

    public var isSystemFlag: Bool { rawValue.hasPrefix("\\") }

    private var comparisonKey: String { isSystemFlag ? rawValue.uppercased() : rawValue }

    public static func == (lhs: MessageFlag, rhs: MessageFlag) -> Bool { lhs.comparisonKey == rhs.comparisonKey }
    public func hash(into hasher: inout Hasher) { hasher.combine(comparisonKey) }
    public var description: String { rawValue }
}
