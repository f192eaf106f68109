/// A mailbox name as it travels on the wire (RFC 3501 §5.1): the raw bytes, normally modified
/// UTF-7 (§5.1.3), plus the decoded display name.
///
/// Equality is on the raw bytes; `INBOX` is case-insensitive and is normalised to `INBOX`.
public struct MailboxName: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The bytes sent by the server or to be sent by the client.
    public let raw: [UInt8]
    /// The decoded name. If the raw bytes are not valid modified UTF-7 (some servers send UTF-8),
    /// this is the raw bytes read as UTF-8.
    public let name: String

    public static let inbox = MailboxName("INBOX")

    /// From a display name: encodes it to modified UTF-7.
    public init(_ name: String) {
        self.init(raw: Array(ModifiedUTF7.encode(name).utf8))
    }

    public init(stringLiteral value: String) { self.init(value) }

    /// From wire bytes.
    public init(raw: [UInt8]) {
        let normalised: [UInt8] = raw.count == 5 && String(decoding: raw, as: UTF8.self).uppercased() == "INBOX"
            ? Array("INBOX".utf8) : raw
        self.raw = normalised
        let text = String(decoding: normalised, as: UTF8.self)
        self.name = (try? ModifiedUTF7.decode(text)) ?? text
    }

    public var isInbox: Bool { raw == Array("INBOX".utf8) }

    public static func == (lhs: MailboxName, rhs: MailboxName) -> Bool { lhs.raw == rhs.raw }
    public func hash(into hasher: inout Hasher) { hasher.combine(raw) }
    public var description: String { name }
}
