import Foundation
import IMAPClient
import Logging
import MailJobs
import MailStore
import OpenSSLKit
import Testing
import Synchronization
import TestSupport

@Suite struct FullFetchJobTests {
    private func job(_ server: DovecotServer, mailbox: String) -> FullFetchJob {
        var tls = TLSConfiguration()
        tls.caFile = server.caFile
        let client = IMAPClientConfiguration(server: ServerAddress(host: server.host, port: server.imapsPort), tls: tls,
                                             username: "alice", password: "alicepw",
                                             connectTimeout: .seconds(60), commandTimeout: .seconds(60))
        var fetch = WorkerConfiguration.FetchSection()
        fetch.batchMessages = 10
        return FullFetchJob(userID: "u", mailbox: mailbox, client: client, fetch: fetch)
    }

    @Test func diskFullMidFetchIsAClearErrorAndLosesNothing() async throws {
        let server = try await DovecotServer.start(corpus: CorpusOptions(messages: 200, seed: 5, bigMessages: 0))
        let directory = try TemporaryDirectory(prefix: "imapworker-full")
        let path = directory.file("store.db")
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let expected = server.manifest?.mailboxes["INBOX"]?.messages.count ?? 0
        #expect(expected > 40)

        // About 2 MB beyond the empty schema: room for a few batches, not for the whole mailbox.
        let emptySchema = try fileSize(creatingStoreAt: path, logger: logger)
        let small = try MailStore(path: path, options: .init(maxBytes: emptySchema + 2_000_000), logger: logger)
        await #expect {
            _ = try await job(server, mailbox: "INBOX").run(store: small, logger: logger)
        } throws: { error in
            guard case MailStoreError.diskFull = error else { return false }
            return true
        }
        #expect(try small.integrityCheck())
        let mailbox = try #require(try small.mailbox(userID: "u", name: "INBOX"))
        let kept = try small.messageCount(mailboxID: mailbox.id)
        #expect(kept > 0 && kept < expected)

        // With room again, the same fetch completes without duplicates.
        let roomy = try MailStore(path: path, options: .init(), logger: logger)
        let result = try await job(server, mailbox: "INBOX").run(store: roomy, logger: logger)
        #expect(result.alreadyStored == kept)
        #expect(try roomy.messageCount(mailboxID: mailbox.id) == expected)
        var digests: [String] = []
        try roomy.forEachMessage(mailboxID: mailbox.id) { digests.append($0.sha256) }
        #expect(digests.sorted() == server.manifest?.mailboxes["INBOX"]?.messages.map(\.sha256).sorted())
    }

    @Test func progressIsReportedUpToTheTotal() async throws {
        let server = try await DovecotServer.start(corpus: CorpusOptions(messages: 60, seed: 9))
        let directory = try TemporaryDirectory(prefix: "imapworker-progress")
        let store = try MailStore(path: directory.file("p.db"), options: .init())
        let reports = ProgressLog()
        let result = try await job(server, mailbox: "INBOX").run(store: store, logger: Logger(label: "t")) { reports.add($0) }
        let last = try #require(reports.all.last)
        #expect(last.finished)
        #expect(last.messagesDone == last.messagesTotal)
        #expect(last.messagesDone == result.inserted)
        #expect(last.bytesDone == last.bytesTotal)
    }
}

/// Progress reports, collected from a callback that may run on any thread.
final class ProgressLog: Sendable {
    private let items = Mutex<[FetchProgress]>([])
    func add(_ p: FetchProgress) { items.withLock { $0.append(p) } }
    var all: [FetchProgress] { items.withLock { $0 } }
}

/// Creates the store (its schema, no message) and returns the file's size in bytes.
private func fileSize(creatingStoreAt path: String, logger: Logger) throws -> Int {
    do { _ = try MailStore(path: path, options: .init(), logger: logger) }
    let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
    return size ?? 0
}
