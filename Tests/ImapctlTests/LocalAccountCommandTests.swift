import Foundation
import MailStore
import Testing
import TestSupport

/// `mailboxes`, `messages`, `flag`, `expunge` and `export` on a local account, through the built binary.
@Suite struct LocalAccountCommandTests {
    private struct MailboxRow: Decodable {
        let name: String
        let uidvalidity: UInt32
        let uidnext: UInt32
        let highestmodseq: Int64
        let subscribed: Bool
        let messages: Int
    }

    private struct MessageRow: Decodable {
        let uid: UInt32
        let flags: [String]
        let modseq: Int64
        let size: Int
        let internal_date: String
        let message_id: String?
        let subject: String?
    }

    private func message(_ n: Int, subject: String) -> [UInt8] {
        Array("From: a@example.org\r\nSubject: \(subject)\r\nMessage-ID: <m\(n)@example.org>\r\n\r\nBody \(n)\r\n".utf8)
    }

    /// A store with INBOX (3 messages) and Archive (empty) for user u1.
    private func makeAccount(_ path: String) async throws -> (MailStore, LocalMailbox) {
        let store = try MailStore(path: path)
        let inbox = try await store.createMailbox(userID: "u1", name: "INBOX")
        try await store.createMailbox(userID: "u1", name: "Archive/2024")
        _ = try await store.append(mailboxID: inbox.id, [
            AppendedMessage(flags: ["\\Flagged"], internalDate: 1_700_000_000, internalDateOffset: 60,
                            body: MessageBytes(message(1, subject: "=?UTF-8?B?w6l0w6k=?= report"))),
            AppendedMessage(flags: [], internalDate: 1_700_000_100, body: MessageBytes(message(2, subject: "plain\r\n folded"))),
            AppendedMessage(flags: ["$Work"], internalDate: 1_700_000_200, body: MessageBytes(message(3, subject: "third"))),
        ])
        return (store, inbox)
    }

    private func decode<T: Decodable>(_ type: T.Type, _ stdout: String) throws -> T {
        guard let line = stdout.split(separator: "\n").last else { throw TestHarnessError("no JSON output") }
        return try JSONDecoder().decode(T.self, from: Data(line.utf8))
    }

    @Test func mailboxesAndMessagesAreListedWithISODates() async throws {
        let directory = try TemporaryDirectory(prefix: "imapctl-local")
        let path = directory.file("store.db")
        let (store, inbox) = try await makeAccount(path)
        let imapctl = try Imapctl(database: path)

        let mailboxes = try await imapctl.run(["mailboxes", "--userid", "u1", "--json"])
        #expect(mailboxes.status == 0, "\(mailboxes.stderr)")
        let rows = try decode([MailboxRow].self, mailboxes.stdout)
        #expect(rows.map(\.name) == ["Archive", "Archive/2024", "INBOX"])
        let inboxRow = try #require(rows.last)
        #expect(inboxRow.uidvalidity == inbox.uidValidity && inboxRow.uidnext == 4 && inboxRow.messages == 3 && inboxRow.subscribed)

        let listed = try await imapctl.run(["messages", "--userid", "u1", "--mailbox", "inbox", "--json"])
        #expect(listed.status == 0, "\(listed.stderr)")
        let messages = try decode([MessageRow].self, listed.stdout)
        #expect(messages.map(\.uid) == [1, 2, 3])
        #expect(messages[0].internal_date == "2023-11-14T22:13:20Z")
        #expect(messages[0].subject == "été report" && messages[1].subject == "plain folded")
        #expect(messages[2].message_id == "<m3@example.org>" && messages[2].flags == ["$Work"])
        #expect(messages[0].size == message(1, subject: "=?UTF-8?B?w6l0w6k=?= report").count)

        let text = try await imapctl.run(["messages", "--userid", "u1"])
        #expect(text.status == 0 && text.stdout.split(separator: "\n").count == 3)
        #expect(text.stdout.contains("<m2@example.org>"))
        let missing = try await imapctl.run(["messages", "--userid", "u1", "--mailbox", "Nope"])
        #expect(missing.status != 0 && missing.stderr.contains("not found: mailbox Nope of user u1"))
        _ = store
    }

    @Test func flagAndExpungeChangeTheStoreAndExportFollows() async throws {
        let directory = try TemporaryDirectory(prefix: "imapctl-local")
        let path = directory.file("store.db")
        let (store, inbox) = try await makeAccount(path)
        let imapctl = try Imapctl(database: path)
        let before = try await store.messageRecords(mailboxID: inbox.id)

        let flagged = try await imapctl.run(["flag", "--userid", "u1", "--mailbox", "INBOX", "--uid", "1:2",
                                             "+\\Seen", "-\\Flagged", "+$Later", "--json"])
        #expect(flagged.status == 0, "\(flagged.stderr)")
        let after = try await store.messageRecords(mailboxID: inbox.id)
        #expect(after.map(\.flags) == [["$Later", "\\Seen"], ["$Later", "\\Seen"], ["$Work"]])
        #expect(after[0].modSeq > before[0].modSeq && after[2].modSeq == before[2].modSeq)

        let bad = try await imapctl.run(["flag", "--userid", "u1", "--uid", "1", "Seen"])
        #expect(bad.status != 0 && bad.stderr.contains("expected +FLAG or -FLAG"))
        let noUID = try await imapctl.run(["expunge", "--userid", "u1"])
        #expect(noUID.status != 0 && noUID.stderr.contains("at least one --uid"))

        let maildir = directory.file("maildir")
        #expect(try await imapctl.run(["export", "--userid", "u1", "--maildir", maildir]).status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: maildir + "/cur").count == 3)

        let expunged = try await imapctl.run(["expunge", "--userid", "u1", "--uid", "1", "3", "9", "--json"])
        #expect(expunged.status == 0, "\(expunged.stderr)")
        #expect(expunged.stdout.contains("\"expunged\":[1,3]"))
        #expect(try await store.messageRecords(mailboxID: inbox.id).map(\.uid) == [2])
        let tombstones = try await store.changes(mailboxID: inbox.id, since: after[0].modSeq)
        #expect(tombstones.vanished == [1...1, 3...3] && tombstones.exact)

        // The export drops the expunged messages' files and keeps the keywords' letters.
        #expect(try await imapctl.run(["export", "--userid", "u1", "--maildir", maildir]).status == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: maildir + "/cur")
        #expect(files.count == 1 && files[0].hasSuffix("_2.imapworker:2,Sa"))
        let keywords = try String(contentsOfFile: maildir + "/dovecot-keywords", encoding: .utf8)
        #expect(keywords.contains("$Later"))
    }
}
