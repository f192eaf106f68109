import IMAPCore
import Testing
@testable import SyncEngine

@Suite("Matching messages by content (moves, UIDVALIDITY changes)")
struct MessageMatcherTests {
    static func hash(_ n: UInt8) -> ContentHash? { ContentHash(bytes: Array(repeating: n, count: 32)) }

    static func message(_ u: UInt32, id: String?, size: Int, hash h: UInt8?, date: Int64 = 1_600_000_000) -> MessageSummary {
        MessageSummary(uid: uid(u), flags: .empty, modSeq: 1, size: size,
                       internalDate: MessageDate(secondsSince1970: date), messageID: id, contentHash: h.flatMap(hash))
    }

    static func at(_ mailbox: String, _ summary: MessageSummary) -> MessageMatcher.Located {
        guard let name = StoredMailboxName(bytes: Array(mailbox.utf8)) else { preconditionFailure("empty name") }
        return MessageMatcher.Located(mailbox: name, summary: summary)
    }

    @Test("a message expunged from one mailbox and new in another is a move")
    func detectsMoves() {
        let moves = MessageMatcher.detectMoves(
            expunged: [Self.at("INBOX", Self.message(5, id: "<a@x>", size: 100, hash: 1)),
                       Self.at("INBOX", Self.message(6, id: "<b@x>", size: 200, hash: 2)),
                       Self.at("INBOX", Self.message(7, id: "<c@x>", size: 300, hash: 3))],
            appeared: [Self.at("Archive", Self.message(40, id: "<a@x>", size: 100, hash: 1)),
                       Self.at("Archive", Self.message(41, id: "<b@x>", size: 200, hash: 9)),   // other content
                       Self.at("Trash", Self.message(12, id: "<c@x>", size: 301, hash: 3))])    // other size
        #expect(moves.map { "\($0.from.mailbox):\($0.from.summary.uid)->\($0.to.mailbox):\($0.to.summary.uid)" }
                == ["INBOX:5->Archive:40"])
    }

    @Test("no hash, no match; same mailbox is not a move; duplicates pair one to one in order")
    func conservativeMatching() {
        let moves = MessageMatcher.detectMoves(
            expunged: [Self.at("INBOX", Self.message(1, id: "<d@x>", size: 10, hash: nil)),
                       Self.at("INBOX", Self.message(2, id: "<e@x>", size: 10, hash: 4)),
                       Self.at("INBOX", Self.message(3, id: "<e@x>", size: 10, hash: 4)),
                       Self.at("INBOX", Self.message(4, id: "<f@x>", size: 10, hash: 5))],
            appeared: [Self.at("Archive", Self.message(20, id: "<d@x>", size: 10, hash: nil)),
                       Self.at("Archive", Self.message(22, id: "<e@x>", size: 10, hash: 4)),
                       Self.at("Archive", Self.message(21, id: "<e@x>", size: 10, hash: 4)),
                       Self.at("INBOX", Self.message(9, id: "<f@x>", size: 10, hash: 5))])
        #expect(moves.map { "\($0.from.summary.uid)->\($0.to.summary.uid)" } == ["2->21", "3->22"])
    }

    @Test("after a UIDVALIDITY change, messages are re-matched by content, never re-downloaded blindly")
    func rematchAfterUIDValidityChange() {
        let result = MessageMatcher.rematch(
            changed: .remote,
            current: [Self.message(1, id: "<a@x>", size: 100, hash: 1), Self.message(2, id: "<b@x>", size: 200, hash: 2),
                      Self.message(3, id: "<new@x>", size: 50, hash: 7),
                      Self.message(4, id: "<c@x>", size: 300, hash: 3, date: 1_700_000_000)],
            other: [Self.message(11, id: "<a@x>", size: 100, hash: 1), Self.message(12, id: "<b@x>", size: 200, hash: 2),
                    Self.message(13, id: "<c@x>", size: 300, hash: 3)])
        #expect(result.pairs == pairs([(11, 1), (12, 2)]))
        #expect(result.unmatched.remote == [uid(3), uid(4)])   // copied to local
        #expect(result.unmatched.local == [uid(13)])           // copied to remote
    }
}
