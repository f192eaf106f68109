import IMAPCore
import MailJobs
import Testing

@Suite struct SentMailboxChoiceTests {
    let listed: [(name: MailboxName, attributes: [MailboxAttribute])] = [
        (MailboxName("INBOX"), [.hasNoChildren]),
        (MailboxName("[Gmail]"), [.noSelect, .sent]),
        (MailboxName("Envoyés"), [MailboxAttribute("\\sent"), .hasNoChildren]),
        (MailboxName("Sent"), []),
    ]

    @Test func theSelectableSpecialUseMailboxWinsOverTheName() {
        // Attributes compare without case (RFC 3501); \Noselect ones are never chosen.
        #expect(SentMailboxChoice.choose(named: nil, listed: listed) == .mailbox(MailboxName("Envoyés")))
    }

    @Test func aNamedMailboxIsTakenAsItIs() {
        #expect(SentMailboxChoice.choose(named: "Archive/2026", listed: listed) == .mailbox(MailboxName("Archive/2026")))
    }

    @Test func noSentMailbox() {
        #expect(SentMailboxChoice.choose(named: nil, listed: Array(listed.prefix(2))) == .noSentMailbox)
        #expect(SentMailboxChoice.choose(named: nil, listed: []) == .noSentMailbox)
    }
}
