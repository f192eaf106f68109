/// Untagged server data other than FETCH (which streams as ``FetchEvent``s).
public enum UntaggedResponse: Hashable, Sendable {
    /// `* OK/NO/BAD/PREAUTH/BYE [code] text`: greetings, warnings, BYE, and the codes SELECT returns.
    case condition(ConditionState, code: ResponseCode?, text: String)
    case capability([Capability])
    /// RFC 5161.
    case enabled([Capability])
    case flags([MessageFlag])
    case exists(UInt32)
    case recent(UInt32)
    case expunge(UInt32)
    /// RFC 7162: `* VANISHED [(EARLIER)] uid-set`.
    case vanished(UIDSet, earlier: Bool)
    case list(ListItem)
    case lsub(ListItem)
    case status(MailboxName, MailboxStatus)
    /// `* SEARCH n…` with the RFC 7162 `(MODSEQ n)` when present.
    case search([UInt32], modSeq: ModSequence?)
    /// RFC 4731.
    case esearch(ESearchResponse)
    /// RFC 2971: the server's fields in order (none for `NIL`).
    case id([IDParameter])
    /// RFC 2342.
    case namespace(NamespaceResponse)
    /// A response this parser does not know, from after `* ` up to (not including) CRLF;
    /// literals appear as sent (`{n}` CRLF and the bytes).
    case unknown(String)
}
