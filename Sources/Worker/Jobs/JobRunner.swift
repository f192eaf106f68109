import Foundation
import IMAPClient
import Logging
import MailJobs
import MailStore
import NIOPosix
import Synchronization

/// Runs one order's job: the work itself (`fullfetch`, `sync`, `deliver`, `addremote`, `test`), its retries of
/// transient failures (decided by `RetryPolicy`), and its time limit.
public struct JobRunner: Sendable {
    public var configuration: WorkerConfiguration
    public var store: MailStore
    public var logger: Logger
    public var retry: RetryPolicy
    public var timeLimit: Duration
    /// `message.new` events of stored messages (`message_events.enabled`), named after `workerID`.
    public var messageEvents: MessageEventSink?
    public var workerID: String

    public init(configuration: WorkerConfiguration, store: MailStore, logger: Logger,
                messageEvents: MessageEventSink? = nil, workerID: String = "") {
        self.configuration = configuration
        self.store = store
        self.logger = logger
        self.messageEvents = messageEvents
        self.workerID = workerID
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
        var outcome = JobOutcome(result: result, attempts: attempts.withLock { $0 }, stats: lastStats.withLock { $0 })
        outcome.deactivation = await recordCheck(order, result)
        return outcome
    }

    /// A job that reached a stored identity's server goes into its check history (as Caliopen's
    /// remote identities do); returns the reason when this failure made the identity inactive.
    /// Failures that say nothing of the account (busy, unknown identity, bad order, local errors)
    /// are not counted.
    private func recordCheck(_ order: Order, _ result: Result<JobResult, JobFailure>) async -> String? {
        guard let id = order.identityID, order.kind == .fullfetch || order.kind == .sync || order.kind == .deliver else {
            return nil
        }
        let (store, after) = (self.store, TimeInterval(configuration.identities.deactivateAfterHours) * 3600)
        do {
            switch result {
            case .success:
                try await offThePool { _ = try store.recordCheckSucceeded(id: id) }
                return nil
            case .failure(let failure):
                guard Self.countedCodes.contains(failure.code) else { return nil }
                return try await offThePool { () throws -> String? in
                    let wasActive = try store.identity(id: id)?.status == .active
                    let health = try store.recordCheckFailed(id: id, error: failure.description, deactivateAfter: after)
                    return wasActive && health.deactivatedByFailures ? health.inactiveReason : nil
                }
            }
        } catch {
            logger.warning("cannot record the identity's check", metadata: ["identity": "\(id)", "error": "\(error)"])
            return nil
        }
    }

    static let countedCodes: Set<ErrorCode> = [.authFailed, .tlsFailed, .connectFailed, .serverError, .timeout]

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
        case .sync:
            return try await remoteSync(order, progress: progress, record: record)
        case .deliver:
            return try await deliver(order)
        case .addremote:
            return try await addRemote(order)
        case .fullfetch:
            return try await fullFetch(order, progress: progress, record: record)
        }
    }

    private func fullFetch(_ order: Order, progress: @escaping @Sendable (JobProgress) -> Void,
                           record: @escaping @Sendable (JobStats) -> Void) async throws -> JobResult {
        guard let userID = order.userID else { throw JobFailure(.badOrder, "missing field user_id") }
        var mailboxes = order.mailboxes
        let (client, identity) = try await connection(order)
        var lease: IdentitySyncLease?
        if let identity {
            if mailboxes.isEmpty { mailboxes = identity.mailboxes }
            // Two processes sharing the store never work on one identity at once.
            let (store, seconds) = (self.store, TimeInterval(configuration.identities.syncLockSeconds))
            lease = try await offThePool { try IdentitySyncLease(store: store, identityID: identity.id, duration: seconds) }
        }
        do {
            let result = try await fetchMailboxes(order, userID: userID, mailboxes: mailboxes.isEmpty ? ["INBOX"] : mailboxes,
                                                  client: client, progress: progress, record: record)
            await lease?.end()
            return result
        } catch {
            await lease?.end()
            throw error
        }
    }

    /// The mailboxes one after the other, into the user's local account.
    private func fetchMailboxes(_ order: Order, userID: String, mailboxes: [String], client: IMAPClientConfiguration,
                                progress: @escaping @Sendable (JobProgress) -> Void,
                                record: @escaping @Sendable (JobStats) -> Void) async throws -> JobResult {
        var stats = JobStats()
        for mailbox in mailboxes {
            var job = FullFetchJob(userID: userID, mailbox: mailbox, client: client, identityID: order.identityID,
                                   fetch: configuration.fetch)
            if let sink = messageEvents {
                let (worker, orderID, identity) = (workerID, order.orderID, order.identityID?.uuidString.lowercased())
                job.onCommitted = { committed in
                    await sink.publish(committed.map {
                        MessageEvent(worker: worker, orderID: orderID, userID: userID, identityID: identity, message: $0)
                    })
                }
            }
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

    /// How to reach the order's account: its stored identity's settings (secret commands run,
    /// a password in the order replacing the stored one), else `login`/`server` over `imap`.
    private func connection(_ order: Order) async throws -> (IMAPClientConfiguration, RemoteIdentity?) {
        guard let identityID = order.identityID else {
            return (try RemoteSettings(server: order.server ?? "", login: order.login ?? "", password: order.password,
                                       defaults: configuration.imap).clientConfiguration(), nil)
        }
        let identity = try await storedIdentity(identityID)
        // An identity of another user is not found either: its mail never goes to this one.
        guard identity.userID == order.userID else {
            throw JobFailure(.unknownIdentity, "no identity \(identityID.uuidString.lowercased()) of user \(order.userID ?? "-")")
        }
        var settings = RemoteSettings(identity: identity, defaults: configuration.imap)
        if let password = order.password { settings.password = password }
        let client = try await offThePool { [settings] in
            var resolved = settings
            try resolved.runSecretCommands()
            return try resolved.clientConfiguration()
        }
        return (client, identity)
    }

    /// `deliver`: files the order's message (or one of the user's local account) in the remote
    /// account's `\Sent` mailbox, or the one it names, `\Seen` set.
    private func deliver(_ order: Order) async throws -> JobResult {
        guard let userID = order.userID else { throw JobFailure(.badOrder, "missing field user_id") }
        let raw: [UInt8]
        if let message = order.message {
            raw = message
        } else if let reference = order.localMessage {
            raw = try await localMessage(userID: userID, reference)
        } else {
            throw JobFailure(.badOrder, "missing field message (or local_mailbox and local_uid)")
        }
        let (client, _) = try await connection(order)
        let delivered: DeliverResult
        do {
            delivered = try await DeliverJob(message: raw, mailbox: order.mailboxes.first, client: client).run(logger: logger)
        } catch let error as DeliverError {
            throw JobFailure(.serverError, error.description)
        }
        var stats = JobStats()
        stats.mailboxes = 1
        stats.messagesAppended = 1
        stats.bytes = delivered.bytes
        var result = JobResult(stats: stats)
        result.mailbox = delivered.mailbox
        result.uid = delivered.uid
        result.uidValidity = delivered.uidValidity
        return result
    }

    /// The bytes of a message of the user's local account, by mailbox and UID.
    private func localMessage(userID: String, _ reference: Order.LocalMessageReference) async throws -> [UInt8] {
        let store = self.store
        let found = try await offThePool { () throws -> [UInt8]? in
            guard let mailbox = try store.mailbox(userID: userID, name: MailStore.canonicalMailboxName(reference.mailbox)) else {
                return nil
            }
            var raw: [UInt8]?
            // UID order: stop at the first UID at or past the one asked for.
            do {
                try store.forEachMessage(mailboxID: mailbox.id) { message in
                    if message.uid == reference.uid { raw = message.raw }
                    if message.uid >= reference.uid { throw WalkEnded() }
                }
            } catch is WalkEnded {}
            return raw
        }
        guard let found else {
            throw JobFailure(.badOrder, "no message UID \(reference.uid) in local mailbox \(reference.mailbox) of user \(userID)")
        }
        return found
    }

    func storedIdentity(_ id: UUID) async throws -> RemoteIdentity {
        let store = self.store
        guard let identity = try await offThePool({ try store.identity(id: id) }) else {
            throw JobFailure(.unknownIdentity, "no identity \(id.uuidString.lowercased())")
        }
        return identity
    }

    private func addRemote(_ order: Order) async throws -> JobResult {
        guard let userID = order.userID, let login = order.login, let server = order.server else {
            throw JobFailure(.badOrder, "addremote needs user_id, login and server")
        }
        // The same identity imapctl addremote stores: every setting explicit, the server normalised.
        let settings = RemoteSettings(server: server, login: login, password: order.password, defaults: configuration.imap)
        let identity: RemoteIdentity
        do {
            identity = try RemoteIdentity(id: order.identityID ?? UUID(), userID: userID, settings: settings,
                                          mailboxes: order.mailboxes)
        } catch MailStoreError.invalidArgument(let why) {
            throw JobFailure(.badOrder, why)
        }
        let store = self.store
        do {
            let push = order.push
            _ = try await offThePool {
                try store.addIdentity(identity)
                if let push { try store.setPush(identityID: identity.id, push) }
            }
        } catch MailStoreError.alreadyExists(let what) {
            throw JobFailure(.badOrder, "already exists: \(what)")
        }
        return JobResult(createdIdentityID: identity.id.uuidString.lowercased())
    }
}

/// Runs blocking store and process calls on NIO's thread pool: never on the cooperative pool.
func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await NIOThreadPool.singleton.runIfActive(body)
}

/// Stops a walk over the store's messages once it has passed what it looks for.
private struct WalkEnded: Error {}
