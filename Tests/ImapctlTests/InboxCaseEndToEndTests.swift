import Foundation
import MailStore
import Testing
import TestSupport

/// RFC 3501: INBOX is case-insensitive. `--mailbox inbox` is the INBOX fetched as `INBOX`: one local
/// mailbox, and the same message origins, so a rerun under the other spelling adds nothing.
@Suite struct InboxCaseEndToEndTests {
    @Test func inboxInAnyCaseIsOneMailboxAndOneSetOfOrigins() async throws {
        let server = try await DovecotServer.start(corpus: CorpusOptions(messages: 60, seed: 11, bigMessages: 0))
        let directory = try TemporaryDirectory(prefix: "imapworker-inbox")
        let imapctl = try Imapctl(database: directory.file("inbox.db"))
        let expected = try #require(server.manifest?.mailboxes["INBOX"]?.messages.count)
        #expect(expected > 0)

        let lower = try await imapctl.run(server.fullfetchArguments(kind: "imaps", mailbox: "inbox", userID: "u"),
                                          password: server.users[0].password)
        #expect(lower.status == 0, "\(lower.stderr)")
        #expect(try decodeSummary(lower.stdout).inserted == expected)
        let upper = try await imapctl.run(server.fullfetchArguments(kind: "imaps", mailbox: "INBOX", userID: "u"),
                                          password: server.users[0].password)
        #expect(upper.status == 0, "\(upper.stderr)")
        let summary = try decodeSummary(upper.stdout)
        #expect(summary.inserted == 0 && summary.already_stored == expected)

        let store = try MailStore(path: imapctl.database, options: .init(readOnly: true))
        #expect(try store.mailboxes(userID: "u").map(\.name) == ["INBOX"])
        #expect(try storedDigests(imapctl.database, userID: "u")["INBOX"] == manifestDigests(server.manifest)["INBOX"])
    }
}
