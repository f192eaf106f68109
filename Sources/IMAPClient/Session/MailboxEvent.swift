import IMAPCore

/// A change the server reported without being asked for it (during any command, IDLE or NOTIFY).
public enum MailboxEvent: Sendable, Hashable {
    /// The selected mailbox now has this many messages.
    case exists(UInt32)
    case recent(UInt32)
    /// A message was expunged; `uid` when the session knew it.
    case expunged(sequence: UInt32, uid: UID?)
    /// RFC 7162: these UIDs are gone (a range stays a range).
    case vanished(UIDSet, earlier: Bool)
    /// A message's flags (and modification sequence) changed.
    case flags(sequence: UInt32, uid: UID?, flags: [MessageFlag]?, modSeq: ModSequence?)
    /// RFC 5465 NOTIFY: another mailbox's STATUS.
    case status(MailboxName, MailboxStatus)
    /// RFC 5465 NOTIFY: a mailbox was created, renamed or had its attributes changed.
    case mailboxListed(ListItem)
    /// `* OK [ALERT]` and other untagged OK/NO/BAD texts outside a command's data.
    case serverNotice(ConditionState, String)
    /// UIDVALIDITY changed while selected (the sequence → UID map was dropped).
    case uidValidityChanged(UIDValidity)
}
