/// A FETCH data item to ask for (`fetch-att`, RFC 3501 §6.4.5, RFC 3516, RFC 7162).
public enum FetchItem: Hashable, Sendable {
    case uid
    case flags
    case modSeq
    case internalDate
    case rfc822Size
    case envelope
    case bodyStructure
    /// `BODY[section]` (sets \Seen).
    case body(section: String = "")
    /// `BODY.PEEK[section]`, optionally `<offset.length>`.
    case bodyPeek(section: String = "", partial: PartialFetch? = nil)
    /// `BINARY[section]` (RFC 3516).
    case binary(section: String = "")
    /// `BINARY.PEEK[section]` (RFC 3516).
    case binaryPeek(section: String = "")
    /// Sent as is.
    case raw(String)

    /// `<offset.length>` of a partial fetch.
    public struct PartialFetch: Hashable, Sendable {
        public var offset: UInt32
        public var length: UInt32
        public init(offset: UInt32, length: UInt32) {
            self.offset = offset
            self.length = length
        }
    }

    var imapString: String {
        switch self {
        case .uid: return "UID"
        case .flags: return "FLAGS"
        case .modSeq: return "MODSEQ"
        case .internalDate: return "INTERNALDATE"
        case .rfc822Size: return "RFC822.SIZE"
        case .envelope: return "ENVELOPE"
        case .bodyStructure: return "BODYSTRUCTURE"
        case .body(let section): return "BODY[\(section)]"
        case .bodyPeek(let section, let partial):
            return "BODY.PEEK[\(section)]" + (partial.map { "<\($0.offset).\($0.length)>" } ?? "")
        case .binary(let section): return "BINARY[\(section)]"
        case .binaryPeek(let section): return "BINARY.PEEK[\(section)]"
        case .raw(let text): return text
        }
    }
}
