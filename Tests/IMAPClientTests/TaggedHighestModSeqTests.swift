import IMAPCore
import NIOCore
import Testing
@testable import IMAPClient

/// A tagged OK's `[HIGHESTMODSEQ n]` (UID EXPUNGE's, RFC 7162 §3.2.10) moves the selected
/// mailbox's counter: the sync engine commits what its own expunges reached.
@Suite struct TaggedHighestModSeqTests {
    @Test func uidExpungeOKRaisesTheSelectedHighestModSeq() {
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        var machine = SessionStateMachine(timeouts: .init(greeting: .seconds(10), command: .seconds(5)), now: start)
        func feed(_ text: String) {
            var parser = ResponseParser()
            var buffer = ByteBuffer(string: text)
            while let event = try? parser.next(&buffer) { _ = machine.received(event, now: start) }
        }
        feed("* OK [CAPABILITY IMAP4rev1 UIDPLUS QRESYNC] ready\r\n")
        let (select, _) = machine.submit(.select(.inbox), role: .select(.inbox, readOnly: false), now: start)
        feed("* OK [HIGHESTMODSEQ 5] modseq\r\n\(select) OK [READ-WRITE] selected\r\n")
        #expect(machine.snapshot.selected?.highestModSeq == ModSequence(5))
        let set = UIDSet(UID.min)
        let (expunge, _) = machine.submit(.uidExpunge(set), role: .expunge, now: start)
        feed("* VANISHED 1\r\n\(expunge) OK [HIGHESTMODSEQ 9] Expunge completed\r\n")
        #expect(machine.snapshot.selected?.highestModSeq == ModSequence(9))
        // A lower value never takes it back.
        let (noop, _) = machine.submit(.noop, role: .plain, now: start)
        feed("\(noop) OK [HIGHESTMODSEQ 7] done\r\n")
        #expect(machine.snapshot.selected?.highestModSeq == ModSequence(9))
    }
}
