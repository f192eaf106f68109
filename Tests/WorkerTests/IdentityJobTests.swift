import Credentials
import Foundation
import Logging
import MailJobs
import MailStore
import Testing
import TestSupport
@testable import Worker

/// Jobs on stored identities: every setting comes from the identity (not the configuration), the
/// identity's sync lease keeps two processes off one identity, and the outcome goes into its
/// check history, with an `identity_deactivated` event when failures last too long.
@Suite(.serialized, .timeLimit(.minutes(5))) struct IdentityJobTests {
    let dovecot: DovecotServer
    let directory: TemporaryDirectory
    let store: MailStore

    init() async throws {
        dovecot = try await DovecotServer.start(corpus: CorpusOptions(messages: 20, seed: 13))
        directory = try TemporaryDirectory(prefix: "imapworker-identity-jobs")
        store = try MailStore(path: directory.file("store.db"))
    }

    /// An identity that trusts Dovecot's CA itself: the configuration below does not.
    func addIdentity(password: String) throws -> RemoteIdentity {
        var settings = RemoteSettings(server: "127.0.0.1:\(dovecot.imapsPort)", login: dovecot.users[0].user,
                                      password: Secret(password), defaults: .init())
        settings.tls.caFile = dovecot.caFile
        return try store.addIdentity(try RemoteIdentity(userID: "u1", settings: settings))
    }

    func run(_ identity: RemoteIdentity, deactivateAfterHours: Int = 72) async throws -> RecordingReplier {
        var configuration = WorkerConfiguration()
        configuration.identities.deactivateAfterHours = deactivateAfterHours
        let pool = WorkerPool(
            configuration: WorkerConfigurationView(workerID: "identity-test", workers: 2, queueLimit: 10,
                                                   maxOrderBytes: 65536, progressIntervalSeconds: 1),
            runner: JobRunner(configuration: configuration, store: store, logger: Logger(label: "test")),
            logger: Logger(label: "test"), version: "test")
        let running = Task { await pool.run() }
        let replier = RecordingReplier()
        let order = #"{"order":"fullfetch","order_id":"o1","user_id":"u1","identity_id":"\#(identity.id.uuidString)"}"#
        await pool.submit(Array(order.utf8), source: "test", replier: replier)
        try await replier.waitForFinals(1)
        await pool.drain(grace: .seconds(30))
        await running.value
        return replier
    }

    @Test func identitySettingsLeaseAndCheckHistory() async throws {
        let identity = try addIdentity(password: dovecot.users[0].password)
        // Another process holds the identity: the job does not run, and it is not the account's failure.
        try store.acquireSyncLock(identityID: identity.id, owner: "other-host pid 1", duration: 300)
        let held = try await run(identity)
        #expect(held.finals.first?.event == .failed && held.finals.first?.error?.code == .busy, "\(held.finals)")
        #expect(held.finals.first?.error?.message.contains("other-host pid 1") == true)
        #expect(try store.identity(id: identity.id)?.errorCount == 0)
        #expect(try store.identity(id: identity.id)?.lastCheck == nil)

        try store.releaseSyncLock(identityID: identity.id, owner: "other-host pid 1")
        let done = try await run(identity)
        #expect(done.finals.first?.event == .completed, "\(done.finals)")
        #expect(done.finals.first?.stats?.messagesAppended == dovecot.manifest?.mailboxes["INBOX"]?.messages.count)
        let after = try #require(try store.identity(id: identity.id))
        #expect(after.lastCheck != nil && after.errorCount == 0)
        #expect(after.syncLock == nil, "the lease was not given back")
    }

    @Test func failingForTooLongDeactivatesWithAnEvent() async throws {
        let identity = try addIdentity(password: "wrong-\(dovecot.users[0].password)")
        // The run of failures began two hours ago; the limit is one hour.
        try store.recordCheckFailed(id: identity.id, at: Date().addingTimeInterval(-7200), error: "earlier failure",
                                    deactivateAfter: 100 * 3600)
        let replier = try await run(identity, deactivateAfterHours: 1)
        #expect(replier.finals.first?.error?.code == .authFailed, "\(replier.finals)")
        let deactivated = replier.published.filter { $0.event == .identityDeactivated }
        #expect(deactivated.count == 1)
        #expect(deactivated.first?.identityID == identity.id.uuidString.lowercased())
        #expect(deactivated.first?.reason?.hasPrefix(IdentityHealth.failingReasonPrefix) == true)
        #expect(deactivated.first?.reason?.contains("wrong-") == false)
        let after = try #require(try store.identity(id: identity.id))
        #expect(after.status == .inactive && after.errorCount == 2)
    }
}
