/// A capability name (`capability`, RFC 3501 §7.2.1), compared case-insensitively.
/// `AUTH=PLAIN` and friends are capabilities too; see ``authMechanism``.
public struct Capability: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// As the server spelled it.
    public let rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public static let imap4rev1 = Capability("IMAP4rev1")
    public static let imap4rev2 = Capability("IMAP4rev2")
    public static let idle = Capability("IDLE")
    public static let literalPlus = Capability("LITERAL+")
    public static let literalMinus = Capability("LITERAL-")
    public static let condstore = Capability("CONDSTORE")
    public static let qresync = Capability("QRESYNC")
    public static let enable = Capability("ENABLE")
    public static let uidplus = Capability("UIDPLUS")
    public static let move = Capability("MOVE")
    public static let esearch = Capability("ESEARCH")
    public static let listExtended = Capability("LIST-EXTENDED")
    public static let listStatus = Capability("LIST-STATUS")
    public static let specialUse = Capability("SPECIAL-USE")
    public static let binary = Capability("BINARY")
    public static let compressDeflate = Capability("COMPRESS=DEFLATE")
    public static let id = Capability("ID")
    public static let namespace = Capability("NAMESPACE")
    public static let saslIR = Capability("SASL-IR")
    public static let startTLS = Capability("STARTTLS")
    public static let loginDisabled = Capability("LOGINDISABLED")
    public static let multiappend = Capability("MULTIAPPEND")
    /// RFC 5465.
    public static let notify = Capability("NOTIFY")
    public static let unselect = Capability("UNSELECT")
    public static let utf8Accept = Capability("UTF8=ACCEPT")

    /// `AUTH=<mechanism>`.
    public static func auth(_ mechanism: String) -> Capability { Capability("AUTH=" + mechanism) }

    /// The mechanism of an `AUTH=…` capability, upper-cased; nil for other capabilities.
    public var authMechanism: String? {
        let upper = rawValue.uppercased()
        guard upper.hasPrefix("AUTH=") else { return nil }
        return String(upper.dropFirst(5))
    }

    public static func == (lhs: Capability, rhs: Capability) -> Bool {
        lhs.rawValue.uppercased() == rhs.rawValue.uppercased()
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue.uppercased()) }
    public var description: String { rawValue }
}
