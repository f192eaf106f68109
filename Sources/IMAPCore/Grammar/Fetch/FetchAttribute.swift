/// A non-body FETCH data item (`msg-att`, RFC 3501 §7.4.2, RFC 7162 `fetch-mod-resp`).
public enum FetchAttribute: Hashable, Sendable {
    case uid(UID)
    case flags([MessageFlag])
    case modSeq(ModSequence)
    case internalDate(InternalDate)
    case rfc822Size(Int)
    /// RFC 3516 `BINARY.SIZE[section] n`: the decoded size of a part.
    case binarySize(section: String, size: UInt64)
    /// RFC 8474 `EMAILID (id)`: the server's stable identifier of the message's content.
    case emailID(String)
    /// RFC 8474 `THREADID (id)`, nil for `THREADID NIL` (the server does not thread it).
    case threadID(String?)
    /// Gmail `X-GM-MSGID n`, `X-GM-THRID n`, `X-GM-LABELS (…)` (labels as sent: `\Inbox`,
    /// `"My label"` decoded to its text).
    case gmailMessageID(UInt64)
    case gmailThreadID(UInt64)
    case gmailLabels([String])
    /// Anything else (ENVELOPE, BODYSTRUCTURE, …): the upper-cased item name and its value as
    /// sent (literals appear as `{n}` CRLF and their bytes).
    case raw(name: String, value: String)
}
