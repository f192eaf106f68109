import Foundation
import Logging
import MailJobs
import MailStore
import NIOPosix
import Synchronization

/// Runs one order's job: the work itself (`fullfetch`, `addremote`, `test`), its retries of
/// transient failures (decided by `RetryPolicy`), and its time limit.
public struct JobRunner: Sendable {
    public var configuration: WorkerConfiguration
    public var store: MailStore
    public var logger: Logger
    public var retry: RetryPolicy
    public var timeLimit: Duration

    public init(configuration: WorkerConfiguration, store: MailStore, logger: Logger) {
        self.configuration = configuration
        self.store = store
        self.logger = logger
        let r = configuration.worker.retry
        retry = RetryPolicy(maxAttempts: r.maxAttempts, initialBackoff: .milliseconds(r.initialBackoffMilliseconds),
                            maxBackoff: .milliseconds(r.maxBackoffMilliseconds))
        timeLimit = .seconds(configuration.worker.jobTimeoutSeconds)
    }

    public func execute(_ order: Order, progress: @escaping @Sendable (JobProgress) -> Void) async -> JobOutcome {
        let attempts = Mutex(0)
        let lastStats = Mutex(JobStats())
        let result: Result<JobResult, JobFailure> = await withTimeLimit(timeLimit) {
            var attempt = 0
            while true {
                attempt += 1
                attempts.withLock { [attempt] in $0 = attempt }
                do {
                    return .success(try await once(order, progress: progress) { stats in lastStats.withLock { $0 = stats } })
                } catch {
                    let failure = scrubbed(FailureClassification.failure(for: error), order: order)
                    switch retry.decide(afterAttempt: attempt, failure: failure, unit: Double.random(in: 0..<1)) {
                    case .giveUp:
                        return .failure(failure)
                    case .retry(let delay):
                        logger.warning("attempt failed, retrying", metadata: [
                            "order_id": "\(order.orderID)", "attempt": "\(attempt)", "code": "\(failure.code.rawValue)",
                            "error": "\(failure.message)", "retry_in": "\(delay)",
                        ])
                        do { try await Task.sleep(for: delay) } catch { return .failure(FailureClassification.failure(for: error)) }
                    }
                }
            }
        }
        return JobOutcome(result: result, attempts: attempts.withLock { $0 }, stats: lastStats.withLock { $0 })
    }

    /// Never lets the order's own password through, whatever an error message quotes.
    private func scrubbed(_ failure: JobFailure, order: Order) -> JobFailure {
        guard let password = order.password?.value, !password.isEmpty, failure.message.contains(password) else { return failure }
        var clean = failure
        clean.message = failure.message.replacingOccurrences(of: password, with: "<redacted>")
        return clean
    }

    private func withTimeLimit(_ limit: Duration, _ body: @escaping @Sendable () async -> Result<JobResult, JobFailure>)
        async -> Result<JobResult, JobFailure>
    {
        await withTaskGroup(of: Result<JobResult, JobFailure>?.self) { group in
            group.addTask { await body() }
            group.addTask {
                do { try await Task.sleep(for: limit) } catch { return nil }
                return .failure(JobFailure(.timeout, "the job time limit of \(limit) was reached"))
            }
            var outcome: Result<JobResult, JobFailure> = .failure(JobFailure(.internal, "job ended without a result"))
            for await result in group {
                guard let result else { continue }
                outcome = result
                group.cancelAll()
                break
            }
            return outcome
        }
    }

    // MARK: - One attempt

    private func once(_ order: Order, progress: @escaping @Sendable (JobProgress) -> Void,
                      record: @escaping @Sendable (JobStats) -> Void) async throws -> JobResult {
        switch order.kind {
        case .test, .status:
            return JobResult()
        case .sync, .deliver:
            throw JobFailure(.notImplemented, "\(order.kind.rawValue) orders are not implemented yet")
        case .addremote:
            return try await addRemote(order)
        case .fullfetch:
            return try await fullFetch(order, progress: progress, record: record)
        }
    }

    private func fullFetch(_ order: Order, progress: @escaping @Sendable (JobProgress) -> Void,
                           record: @escaping @Sendable (JobStats) -> Void) async throws -> JobResult {
        guard let userID = order.userID else { throw JobFailure(.badOrder, "missing field user_id") }
        var settings: RemoteSettings
        var mailboxes = order.mailboxes
        if let identityID = order.identityID {
            let store = self.store
            guard let identity = try await NIOThreadPool.singleton.runIfActive({ try store.identity(id: identityID) }) else {
                throw JobFailure(.unknownIdentity, "no identity \(identityID.uuidString.lowercased())")
            }
            settings = RemoteSettings(identity: identity, password: order.password, defaults: configuration.imap)
            if mailboxes.isEmpty { mailboxes = identity.mailboxes }
        } else {
            settings = RemoteSettings(server: order.server ?? "", login: order.login ?? "", password: order.password,
                                      defaults: configuration.imap)
        }
        if mailboxes.isEmpty { mailboxes = ["INBOX"] }
        let client = try settings.clientConfiguration()
        var stats = JobStats()
        for mailbox in mailboxes {
            let job = FullFetchJob(userID: userID, mailbox: mailbox, client: client, identityID: order.identityID,
                                   fetch: configuration.fetch)
            let result = try await job.run(store: store, logger: logger) { fetch in
                progress(JobProgress(mailbox: fetch.mailbox, messagesDone: fetch.messagesDone,
                                     messagesTotal: fetch.messagesTotal, bytesDone: fetch.bytesDone,
                                     bytesTotal: fetch.bytesTotal))
            }
            stats.mailboxes += 1
            stats.messagesFetched += result.fetched
            stats.messagesAppended += result.inserted
            stats.bytes += result.bytes
            record(stats)
        }
        return JobResult(stats: stats)
    }

    private func addRemote(_ order: Order) async throws -> JobResult {
        guard let userID = order.userID, let login = order.login, let server = order.server else {
            throw JobFailure(.badOrder, "addremote needs user_id, login and server")
        }
        let settings = RemoteSettings(server: server, login: login, password: order.password, defaults: configuration.imap)
        _ = try settings.clientConfiguration()  // refuse what could never connect
        let identity = RemoteIdentity(
            id: order.identityID ?? UUID(), userID: userID, server: server, login: login, password: order.password,
            authMechanisms: settings.authMechanisms, tls: RemoteIdentity.TLSSettings(settings: settings),
            mailboxes: order.mailboxes.isEmpty ? RemoteIdentity.defaultMailboxes : order.mailboxes)
        let store = self.store
        do {
            _ = try await NIOThreadPool.singleton.runIfActive { try store.addIdentity(identity) }
        } catch MailStoreError.alreadyExists(let what) {
            throw JobFailure(.badOrder, "already exists: \(what)")
        }
        return JobResult(createdIdentityID: identity.id.uuidString.lowercased())
    }
}
