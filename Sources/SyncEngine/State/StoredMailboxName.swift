import IMAPCore

/// A mailbox name as InterIMAP's `mailboxes.mailbox` column holds it: the wire bytes (modified
/// UTF-7) without the list reference, with every hierarchy delimiter replaced by `\0`, so the
/// database outlives a change of delimiter (a name cannot contain NUL, RFC 3501 §5.1).
public struct StoredMailboxName: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let bytes: [UInt8]

    public static let inbox = StoredMailboxName(validated: Array("INBOX".utf8))

    private init(validated bytes: [UInt8]) { self.bytes = bytes }

    /// Nil for an empty name (the column's `CHECK (mailbox != '')`).
    public init?(bytes: [UInt8]) {
        guard !bytes.isEmpty else { return nil }
        self.bytes = Self.normalisingInbox(bytes)
    }

    /// From a listed name: the delimiter (if any) becomes `\0`. Nil when the name does not start
    /// with the list reference, or is the reference itself.
    public init?(_ mailbox: MailboxName, delimiter: Character?, reference: [UInt8] = []) {
        guard mailbox.raw.starts(with: reference) else { return nil }
        var bytes = Array(mailbox.raw.dropFirst(reference.count))
        if let d = delimiter?.asciiValue {
            bytes = bytes.map { $0 == d ? 0 : $0 }
        }
        self.init(bytes: bytes)
    }

    /// The name to send to an endpoint with this delimiter and reference. Nil for a name with
    /// hierarchy (a `\0`) on a flat namespace.
    public func mailboxName(delimiter: Character?, reference: [UInt8] = []) -> MailboxName? {
        let d = delimiter?.asciiValue
        if d == nil, bytes.contains(0) { return nil }
        return MailboxName(raw: reference + bytes.map { $0 == 0 ? (d ?? 0) : $0 })
    }

    /// The name for people: levels joined by `/`, modified UTF-7 decoded.
    public var description: String {
        MailboxName(raw: bytes.map { $0 == 0 ? UInt8(ascii: "/") : $0 }).name
    }

    public static func < (lhs: StoredMailboxName, rhs: StoredMailboxName) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

    /// INBOX is case-insensitive (RFC 3501 §5.1); InterIMAP stores it as `INBOX`.
    private static func normalisingInbox(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.count == 5, bytes.map({ $0 & 0xDF }) == inbox.bytes else { return bytes }
        return inbox.bytes
    }
}
