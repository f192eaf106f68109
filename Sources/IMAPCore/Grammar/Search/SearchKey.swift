/// A SEARCH criterion (`search-key`, RFC 3501 §6.4.4, RFC 9051 §6.4.4, RFC 7162 MODSEQ,
/// RFC 8474 EMAILID/THREADID), composed with ``and(_:)``, ``not(_:)`` and ``or(_:_:)``.
///
/// A string literal is a ``raw(_:)`` criterion sent as is: the escape hatch for anything not
/// modelled here, and what `criteria: "UNSEEN"` meant before the keys were typed.
public indirect enum SearchKey: Hashable, Sendable, ExpressibleByStringLiteral {
    case all
    case uid(UIDSet)
    case sequenceNumbers(SequenceSet)
    /// `MODSEQ n`: messages whose mod-sequence is at least n (`mod-sequence-valzer`).
    case modSeq(ModSequence)
    /// Internal date on or after / before / on the day (the server's zone).
    case since(SearchDate)
    case before(SearchDate)
    case on(SearchDate)
    /// The Date: header on or after / before the day.
    case sentSince(SearchDate)
    case sentBefore(SearchDate)
    /// `HEADER field value`: the header contains `value` (empty: the header exists).
    case header(String, String)
    case from(String)
    case to(String)
    case subject(String)
    case body(String)
    case text(String)
    case seen
    case unseen
    case answered
    case unanswered
    case deleted
    case undeleted
    case flagged
    case unflagged
    case draft
    case undraft
    case keyword(MessageFlag)
    case unkeyword(MessageFlag)
    /// RFC 822 size larger / smaller than n bytes.
    case larger(UInt64)
    case smaller(UInt64)
    /// RFC 8474.
    case emailID(String)
    case threadID(String)
    case not(SearchKey)
    case or(SearchKey, SearchKey)
    /// All of them (an empty list means ALL).
    case and([SearchKey])
    /// Sent as is.
    case raw(String)

    public init(stringLiteral value: String) { self = .raw(value) }
}
