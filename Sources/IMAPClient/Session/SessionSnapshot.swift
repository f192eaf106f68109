import IMAPCore

/// The part of the session's state callers may read at any time.
public struct SessionSnapshot: Sendable, Equatable {
    public var capabilities: Set<Capability> = []
    public var enabled: Set<Capability> = []
    public var selected: SelectedMailbox?
}

/// The selected mailbox as the session knows it now.
public struct SelectedMailbox: Sendable, Equatable {
    public var name: MailboxName
    public var readOnly: Bool
    public var exists: UInt32 = 0
    public var uidValidity: UIDValidity?
    public var uidNext: UID?
    public var highestModSeq: ModSequence?
}
