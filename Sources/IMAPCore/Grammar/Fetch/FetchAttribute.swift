/// A non-body FETCH data item (`msg-att`, RFC 3501 §7.4.2, RFC 7162 `fetch-mod-resp`).
public enum FetchAttribute: Hashable, Sendable {
    case uid(UID)
    case flags([MessageFlag])
    case modSeq(ModSequence)
    case internalDate(InternalDate)
    case rfc822Size(Int)
    /// Anything else (ENVELOPE, BODYSTRUCTURE, BINARY.SIZE, EMAILID, …): the upper-cased item name
    /// and its value as sent (literals appear as `{n}` CRLF and their bytes).
    case raw(name: String, value: String)
}
