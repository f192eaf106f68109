/// Why the bytes from the server (or a string handed to ``ModifiedUTF7``) could not be parsed.
///
/// Errors never carry more than ~80 bytes of the offending input, so they are safe to log and
/// cannot balloon memory. After ``ResponseParser/next(_:)`` throws, the stream cannot be
/// resynchronised: close the connection.
public enum IMAPParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input breaks the grammar: `reason` says which rule, `excerpt` shows the bytes where it broke.
    case invalid(String, excerpt: String = "")
    /// The non-literal part of one response exceeds ``ResponseParser/Limits/maxLineLength``.
    case lineTooLong
    /// Parenthesised lists nest deeper than ``ResponseParser/Limits/maxDepth``.
    case tooDeep
    /// A literal that would be held in memory exceeds ``ResponseParser/Limits/maxLiteralSize``
    /// (or a literal length does not fit in memory at all).
    case literalTooLarge

    /// The reason text (for `.invalid`) or a fixed description of the limit that was hit.
    public var reason: String {
        switch self {
        case .invalid(let reason, _): return reason
        case .lineTooLong: return "response line too long"
        case .tooDeep: return "lists nested too deeply"
        case .literalTooLarge: return "literal too large"
        }
    }

    /// The excerpt of the offending bytes (empty for the limit errors).
    public var excerpt: String {
        if case .invalid(_, let excerpt) = self { return excerpt }
        return ""
    }

    public var description: String {
        excerpt.isEmpty ? "IMAP parse error: \(reason)" : "IMAP parse error: \(reason) at \"\(excerpt)\""
    }

    /// Renders at most `limit` bytes as printable ASCII (`\r`, `\n`, `\xNN` escapes).
    static func excerpt<Bytes: Sequence<UInt8>>(_ bytes: Bytes, limit: Int = 40) -> String {
        var out = ""
        var count = 0
        for byte in bytes {
            if count == limit { out += "…"; break }
            count += 1
            switch byte {
            case 0x0D: out += "\\r"
            case 0x0A: out += "\\n"
            case 0x20...0x7E: out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}
