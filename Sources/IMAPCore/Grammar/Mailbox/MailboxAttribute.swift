/// A LIST mailbox attribute (`mbx-list-flags`, RFC 3501, RFC 5258, RFC 6154 special-use),
/// compared case-insensitively.
public struct MailboxAttribute: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public static let noInferiors = MailboxAttribute("\\Noinferiors")
    public static let noSelect = MailboxAttribute("\\Noselect")
    public static let marked = MailboxAttribute("\\Marked")
    public static let unmarked = MailboxAttribute("\\Unmarked")
    public static let nonExistent = MailboxAttribute("\\NonExistent")
    public static let subscribed = MailboxAttribute("\\Subscribed")
    public static let remote = MailboxAttribute("\\Remote")
    public static let hasChildren = MailboxAttribute("\\HasChildren")
    public static let hasNoChildren = MailboxAttribute("\\HasNoChildren")
    public static let all = MailboxAttribute("\\All")
    public static let archive = MailboxAttribute("\\Archive")
    public static let drafts = MailboxAttribute("\\Drafts")
    public static let flagged = MailboxAttribute("\\Flagged")
    public static let junk = MailboxAttribute("\\Junk")
    public static let sent = MailboxAttribute("\\Sent")
    public static let trash = MailboxAttribute("\\Trash")

    public static func == (lhs: MailboxAttribute, rhs: MailboxAttribute) -> Bool {
        lhs.rawValue.uppercased() == rhs.rawValue.uppercased()
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue.uppercased()) }
    public var description: String { rawValue }
}
