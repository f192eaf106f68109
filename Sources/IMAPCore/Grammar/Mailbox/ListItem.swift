/// One `* LIST` / `* LSUB` response (`mailbox-list`, RFC 3501 §7.2.2, RFC 5258 §6, RFC 9051).
public struct ListItem: Hashable, Sendable {
    public var attributes: [MailboxAttribute]
    /// The hierarchy delimiter; nil for `NIL` (flat namespace).
    public var delimiter: Character?
    public var mailbox: MailboxName
    /// RFC 5258 `CHILDINFO` extended data, e.g. `["SUBSCRIBED"]`.
    public var childInfo: [String]
    /// RFC 9051 `OLDNAME` extended data (after a RENAME).
    public var oldName: MailboxName?
    /// Other extended data items: upper-cased tag → value as sent.
    public var extendedData: [String: String]

    public init(attributes: [MailboxAttribute], delimiter: Character?, mailbox: MailboxName,
                childInfo: [String] = [], oldName: MailboxName? = nil, extendedData: [String: String] = [:]) {
        self.attributes = attributes
        self.delimiter = delimiter
        self.mailbox = mailbox
        self.childInfo = childInfo
        self.oldName = oldName
        self.extendedData = extendedData
    }
}
