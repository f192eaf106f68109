import IMAPCore

/// One mailbox as listed by an endpoint, with the status the engine uses to decide whether to
/// select it (InterIMAP's `LIST … RETURN (SUBSCRIBED STATUS (UIDVALIDITY UIDNEXT HIGHESTMODSEQ))`).
public struct MailboxListEntry: Hashable, Sendable {
    public var name: MailboxName
    public var attributes: Set<MailboxAttribute>
    public var isSubscribed: Bool
    /// Nil for a mailbox that cannot be selected (`\Noselect`, `\NonExistent`).
    public var status: MailboxSnapshot?

    public init(name: MailboxName, attributes: Set<MailboxAttribute> = [], isSubscribed: Bool = false,
                status: MailboxSnapshot?) {
        self.name = name
        self.attributes = attributes
        self.isSubscribed = isSubscribed
        self.status = status
    }

    /// Whether the mailbox holds messages (InterIMAP's `mbx_exists`).
    public var isSelectable: Bool {
        !attributes.contains(.noSelect) && !attributes.contains(.nonExistent)
    }
}

/// The answer to ``MailboxEndpoint/listMailboxes(_:)``.
public struct MailboxListing: Hashable, Sendable {
    /// The hierarchy delimiter of the listed namespace; nil for a flat namespace. The state
    /// database stores names with this delimiter replaced by `\0`.
    public var delimiter: Character?
    public var mailboxes: [MailboxListEntry]

    public init(delimiter: Character?, mailboxes: [MailboxListEntry]) {
        self.delimiter = delimiter
        self.mailboxes = mailboxes
    }
}

/// What to list: InterIMAP's `list-mailbox` patterns (`*`, `%`), `list-select-opts` and
/// `list-reference`.
public struct MailboxListRequest: Hashable, Sendable {
    /// Patterns on the wire (modified UTF-7, `\0` standing for the delimiter); empty = `*`.
    public var patterns: [[UInt8]]
    public var selectOptions: [String]
    public var reference: [UInt8]

    public init(patterns: [[UInt8]] = [], selectOptions: [String] = [], reference: [UInt8] = []) {
        self.patterns = patterns
        self.selectOptions = selectOptions
        self.reference = reference
    }
}
