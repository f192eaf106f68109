/// Why the bytes from the server (or a string handed to ``ModifiedUTF7``) could not be parsed.
///
/// Messages quote at most ~40 bytes of the offending input (escaped, so never more than ~80
/// characters of excerpt), so they are safe to log and cannot balloon memory. After
/// ``ResponseParser/next(_:)`` throws, the stream cannot be resynchronised: close the connection.
public enum IMAPParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input breaks the grammar: which rule, and an excerpt of the bytes where it broke
    /// (`expected SP at "{b OK done\r\n"`).
    case invalid(String)
    /// The non-literal part of one response exceeds ``ResponseParser/Limits/maxLineLength``.
    case lineTooLong
    /// Parenthesised lists nest deeper than ``ResponseParser/Limits/maxDepth``.
    case tooDeep
    /// A literal that would be held in memory exceeds ``ResponseParser/Limits/maxLiteralSize``
    /// (or a literal length does not fit in memory at all).
    case literalTooLarge

    /// `.invalid` with the excerpt appended to the reason.
    static func invalid(_ reason: String, excerpt: String) -> IMAPParseError {
        .invalid(excerpt.isEmpty ? reason : "\(reason) at \"\(excerpt)\"")
    }

    /// The message of `.invalid` (reason and excerpt), or a fixed description of the limit hit.
    public var reason: String {
        switch self {
        case .invalid(let reason): return reason
        case .lineTooLong: return "response line too long"
        case .tooDeep: return "lists nested too deeply"
        case .literalTooLarge: return "literal too large"
        }
    }

    public var description: String { "IMAP parse error: \(reason)" }

    /// Renders the first bytes as printable ASCII (`\r`, `\n`, `\xNN` escapes), at most `limit`
    /// characters plus an ellipsis.
    static func excerpt<Bytes: Sequence<UInt8>>(_ bytes: Bytes, limit: Int = 76) -> String {
        var out = ""
        for byte in bytes {
            let piece: String
            switch byte {
            case 0x0D: piece = "\\r"
            case 0x0A: piece = "\\n"
            case 0x20...0x7E: piece = String(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                piece = "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
            if out.utf8.count + piece.utf8.count > limit {
                out += "…"
                break
            }
            out += piece
        }
        return out
    }
}
