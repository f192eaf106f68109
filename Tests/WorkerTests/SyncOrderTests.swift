import Credentials
import Foundation
import Logging
import MailJobs
import MailStore
import Testing
import TestSupport
@testable import Worker

/// The daemon's `sync` order: `RemoteSyncJob` on a stored identity, with the engine's counts as
/// the event's stats and the outcome in the identity's check history.
@Suite(.serialized, .timeLimit(.minutes(5))) struct SyncOrderTests {
    let dovecot: DovecotServer
    let directory: TemporaryDirectory
    let store: MailStore

    init() async throws {
        dovecot = try await DovecotServer.start(corpus: CorpusOptions(messages: 40, seed: 17))
        directory = try TemporaryDirectory(prefix: "imapworker-sync-order")
        store = try MailStore(path: directory.file("store.db"))
    }

    func run(_ order: String) async throws -> RecordingReplier {
        let pool = WorkerPool(
            configuration: WorkerConfigurationView(workerID: "sync-test", workers: 2, queueLimit: 10,
                                                   maxOrderBytes: 65536, progressIntervalSeconds: 1),
            runner: JobRunner(configuration: WorkerConfiguration(), store: store, logger: Logger(label: "test")),
            logger: Logger(label: "test"), version: "test")
        let running = Task { await pool.run() }
        let replier = RecordingReplier()
        await pool.submit(Array(order.utf8), source: "test", replier: replier)
        try await replier.waitForFinals(1)
        await pool.drain(grace: .seconds(30))
        await running.value
        return replier
    }

    @Test func syncOrdersCopyThenFindNothingToDo() async throws {
        defer { dovecot.stop() }
        var settings = RemoteSettings(server: "127.0.0.1:\(dovecot.imapsPort)", login: dovecot.users[0].user,
                                      password: Secret(dovecot.users[0].password), defaults: .init())
        settings.tls.caFile = dovecot.caFile
        let identity = try store.addIdentity(try RemoteIdentity(userID: "u1", settings: settings))
        let total = try #require(dovecot.manifest?.totals.messages)
        let order = #"{"order":"sync","order_id":"s1","user_id":"u1","identity_id":"\#(identity.id.uuidString)"}"#

        let first = try await run(order)
        let done = try #require(first.finals.first)
        #expect(done.event == .completed, "\(first.finals)")
        #expect(done.stats?.messagesFetched == total && done.stats?.messagesAppended == total, "\(String(describing: done.stats))")
        #expect(done.stats?.mailboxes == dovecot.manifest?.mailboxes.count)
        #expect(try await store.statistics(userID: "u1").messages == total)
        let checked = try #require(try store.identity(id: identity.id))
        #expect(checked.lastCheck != nil && checked.errorCount == 0 && checked.syncLock == nil)

        let second = try await run(order.replacingOccurrences(of: "s1", with: "s2"))
        #expect(second.finals.first?.event == .completed, "\(second.finals)")
        #expect(second.finals.first?.stats?.messagesAppended == 0)

        // Without an identity there is nothing to keep in sync.
        let bare = try await run(#"{"order":"sync","order_id":"s3","user_id":"u1","login":"a","server":"127.0.0.1:1"}"#)
        #expect(bare.finals.first?.error?.code == .badOrder, "\(bare.finals)")
    }
}
