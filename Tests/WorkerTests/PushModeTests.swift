import IMAPClient
import IMAPCore
import Testing
@testable import Worker

/// Which server reports ask a push connection for a sync: with NOTIFY every change of any
/// mailbox; with IDLE on INBOX only new mail there.
@Suite struct PushModeTests {
    static let reports: [(MailboxEvent, notify: Bool, idle: Bool)] = [
        (.exists(12), true, true),
        (.status(MailboxName("Archive"), MailboxStatus(messages: 3, uidNext: 4)), true, false),
        (.expunged(sequence: 2, uid: UID(rawValue: 7)), true, false),
        (.flags(sequence: 1, uid: nil, flags: [], modSeq: nil), true, false),
        (.recent(1), false, false),
        (.serverNotice(.ok, "still here"), false, false),
    ]

    @Test(arguments: reports.indices) func reportIsAChangeOrNot(index: Int) {
        let (event, notify, idle) = Self.reports[index]
        #expect(PushMode.notify.isChange(event) == notify, "\(event)")
        #expect(PushMode.idle.isChange(event) == idle, "\(event)")
    }

    @Test func notifyWatchesEveryPersonalMailboxWithTheEventsFlagChangeNeeds() {
        let groups = PushMode.notifyParameters.groups
        #expect(groups.count == 1)
        #expect(groups.first?.mailboxes == .personal)
        #expect(groups.first?.events == [.messageNew([]), .messageExpunge, .flagChange, .mailboxName])
    }
}
