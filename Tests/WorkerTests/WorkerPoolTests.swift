import Foundation
import Logging
import MailJobs
import MailStore
import Synchronization
import Testing
import TestSupport
@testable import Worker

/// The pool actor with real jobs against a real Dovecot and a real store, its events caught at
/// the intake boundary (`OrderReplier`).
@Suite(.serialized, .timeLimit(.minutes(5))) struct WorkerPoolTests {
    let dovecot: DovecotServer
    let directory: TemporaryDirectory

    init() async throws {
        dovecot = try await DovecotServer.start(corpus: CorpusOptions(messages: 300, seed: 9))
        directory = try TemporaryDirectory(prefix: "imapworker-pool")
    }

    /// Submits `payloads` in order to a pool of `workers`, waits for `finals` final events, drains.
    private func run(_ payloads: [[UInt8]], finals: Int, workers: Int = 4) async throws -> RecordingReplier {
        var configuration = WorkerConfiguration()
        configuration.imap.tls.caFile = dovecot.caFile
        configuration.worker.retry.initialBackoffMilliseconds = 20
        configuration.worker.retry.maxBackoffMilliseconds = 50
        let store = try MailStore(path: directory.file("pool-\(UUID().uuidString.prefix(6)).db"))
        let pool = WorkerPool(
            configuration: WorkerConfigurationView(workerID: "pool-test", workers: workers, queueLimit: 100,
                                                   maxOrderBytes: 65536, progressIntervalSeconds: 1),
            runner: JobRunner(configuration: configuration, store: store, logger: Logger(label: "test")),
            logger: Logger(label: "test"), version: "test")
        let running = Task { await pool.run() }
        let replier = RecordingReplier()
        for payload in payloads { await pool.submit(payload, source: "test", replier: replier) }
        try await replier.waitForFinals(finals)
        await pool.drain(grace: .seconds(30))
        await running.value
        return replier
    }

    private func order(_ id: String, password: String? = nil, port: Int? = nil) -> [UInt8] {
        let object: [String: Any] = ["order": "fullfetch", "order_id": id, "user_id": "u1", "login": dovecot.users[0].user,
                                     "password": password ?? dovecot.users[0].password,
                                     "server": "127.0.0.1:\(port ?? dovecot.imapsPort)", "mailbox": "INBOX"]
        return (try? Array(JSONSerialization.data(withJSONObject: object))) ?? []
    }

    @Test func ordersForOneAccountArrivingWhileOneRunsShareOneMoreRun() async throws {
        let replier = try await run(["c1", "c2", "c3"].map { order($0) }, finals: 3)
        let finals = replier.finals
        #expect(finals.allSatisfy { $0.event == .completed })
        let byID = Dictionary(uniqueKeysWithValues: finals.compactMap { event in event.orderID.map { ($0, event) } })
        #expect(byID["c1"]?.coalescedWith == nil)
        #expect(byID["c2"]?.coalescedWith == ["c3"] && byID["c3"]?.coalescedWith == ["c2"])
        #expect(byID["c2"]?.startedAt == byID["c3"]?.startedAt)
        // The second run started after the first had finished, and stored nothing twice.
        if let first = byID["c1"]?.finishedAt, let second = byID["c2"]?.startedAt { #expect(second >= first) }
        #expect(byID["c1"]?.stats?.messagesAppended == dovecot.manifest?.mailboxes["INBOX"]?.messages.count)
        #expect(byID["c2"]?.stats?.messagesAppended == 0)
        #expect(replier.published.filter { $0.event == .accepted }.count == 3)
    }

    @Test func connectionRefusedIsRetriedThenFails() async throws {
        let replier = try await run([order("refused", port: try freeLoopbackPort())], finals: 1)
        let event = try #require(replier.finals.first)
        #expect(event.event == .failed && event.error?.code == .connectFailed)
        #expect(event.attempts == 3)
    }

    @Test func wrongPasswordIsNotRetriedAndNeverShown() async throws {
        let wrong = "wrong-password-\(UUID().uuidString.prefix(8))"
        let replier = try await run([order("denied", password: wrong)], finals: 1)
        let event = try #require(replier.finals.first)
        #expect(event.event == .failed && event.error?.code == .authFailed)
        #expect(event.attempts == 1)
        for event in replier.finals + replier.published {
            #expect(!String(decoding: event.encoded(), as: UTF8.self).contains(wrong))
        }
    }

    @Test func statusDuringARun() async throws {
        let replier = try await run([order("s1"), Array(#"{"order":"status","order_id":"st"}"#.utf8)], finals: 2,
                                    workers: 2)
        let status = try #require(replier.finals.first { $0.event == .status }?.status)
        #expect(status.worker == "pool-test" && status.workers == 2)
        #expect(status.running.map(\.orderID) == ["s1"])
    }
}

extension WorkerPoolTests {
    /// The job's time limit covers all its attempts and is final (not retried).
    @Test func timeLimitStopsTheJob() async throws {
        var configuration = WorkerConfiguration()
        configuration.imap.tls.caFile = dovecot.caFile
        var runner = JobRunner(configuration: configuration, store: try MailStore(path: directory.file("limit.db")),
                               logger: Logger(label: "test"))
        runner.timeLimit = .milliseconds(1)  // a TLS handshake and a login take longer than that
        let order = try OrderParser().parse(self.order("limited")).get()
        let outcome = await runner.execute(order) { _ in }
        guard case .failure(let failure) = outcome.result else { Issue.record("the job beat a 1 ms limit"); return }
        #expect(failure.code == .timeout && failure.message.contains("time limit"))
    }
}

/// Keeps every event the pool sends, in order.
final class RecordingReplier: OrderReplier {
    private let events = Mutex<(published: [WorkerEvent], finals: [WorkerEvent], released: Int)>(([], [], 0))

    var published: [WorkerEvent] { events.withLock { $0.published } }
    var finals: [WorkerEvent] { events.withLock { $0.finals } }
    var released: Int { events.withLock { $0.released } }

    func publish(_ event: WorkerEvent) async { events.withLock { $0.published.append(event) } }
    func finish(_ event: WorkerEvent) async { events.withLock { $0.finals.append(event) } }
    func reject(_ event: WorkerEvent) async { events.withLock { $0.finals.append(event) } }
    func keepAlive() async {}
    func release() async { events.withLock { $0.released += 1 } }

    func waitForFinals(_ count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while finals.count < count {
            guard ContinuousClock.now < deadline else { throw TestHarnessError("only \(finals.count) final events") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
