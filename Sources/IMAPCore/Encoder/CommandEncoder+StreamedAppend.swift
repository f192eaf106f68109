import NIOCore

/// One message of an APPEND whose body is streamed: what goes before its literal.
public struct AppendLiteralHeader: Hashable, Sendable {
    public var flags: [MessageFlag]
    public var internalDate: InternalDate?
    /// The literal's size, announced before the first body byte.
    public var byteCount: Int

    public init(flags: [MessageFlag] = [], internalDate: InternalDate? = nil, byteCount: Int) {
        self.flags = flags
        self.internalDate = internalDate
        self.byteCount = byteCount
    }
}

/// The pieces of an APPEND / MULTIAPPEND (RFC 3502) written while the bodies stream:
/// `tag APPEND mailbox`, then per message ` [flags] ["date"] {n}` CRLF and its n bytes, then CRLF.
extension CommandEncoder {
    /// `tag APPEND mailbox`; nil when the name would need a literal of its own.
    public func streamedAppendStart(tag: String, mailbox: MailboxName) -> ByteBuffer? {
        var w = CommandWriter(literalPlus: false, literalMinus: false)
        w.write(tag + " APPEND ")
        w.astring(mailbox.raw)
        let parts = w.finish(lineEnd: false)
        guard parts.count == 1 else { return nil }
        var out = ByteBuffer()
        for var chunk in parts[0] { out.writeBuffer(&chunk) }
        return out
    }

    /// ` (flags) "date" {n+}` CRLF, or `{n}` CRLF (synchronising: wait for `+` before the bytes).
    public func streamedAppendMessage(_ header: AppendLiteralHeader) -> (bytes: ByteBuffer, synchronising: Bool) {
        var out = ByteBuffer()
        if !header.flags.isEmpty { out.writeString(" (" + header.flags.map(\.rawValue).joined(separator: " ") + ")") }
        if let date = header.internalDate { out.writeString(" \"" + date.imapString + "\"") }
        let nonSynchronising = literalPlus || (literalMinus && header.byteCount <= CommandWriter.literalMinusLimit)
        out.writeString(" {\(header.byteCount)\(nonSynchronising ? "+" : "")}\r\n")
        return (out, !nonSynchronising)
    }

    /// Ends the command after the last literal.
    public static func streamedAppendEnd() -> ByteBuffer { ByteBuffer(string: "\r\n") }

    /// Written after a completed (padded) literal to make the server refuse the whole command:
    /// an atom where a flag list, a date or a literal must follow. RFC 3502: a MULTIAPPEND that
    /// fails stores none of its messages.
    public static func streamedAppendCancel() -> ByteBuffer { ByteBuffer(string: " CANCELLED\r\n") }
}
