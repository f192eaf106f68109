import CShims
import Dispatch
import Foundation
import Logging
import Synchronization

/// Settings of one Redis connection.
public struct RedisConnectionConfiguration: Sendable {
    public var endpoint: RedisEndpoint
    /// Limit for TCP connect (hiredis `redisConnectWithTimeout`).
    public var connectTimeout: Duration = .seconds(5)
    /// Socket read/write timeout for ordinary commands. A blocking command (XREADGROUP BLOCK)
    /// passes its block time as `extraTimeout`, so the socket timeout always exceeds it.
    public var commandTimeout: Duration = .seconds(5)
    public var backoff: ReconnectBackoff = .default
    /// After each round trip the connection's thread polls for the next request this long before
    /// sleeping (saves a thread wake-up per command in request/reply loops); `.zero` disables it.
    public var pollBeforeSleeping: Duration = .microseconds(100)
    /// Names the connection's thread and log lines.
    public var name: String = "redis"

    public init(endpoint: RedisEndpoint) { self.endpoint = endpoint }

    public init(url: String) throws(RedisError) { self.endpoint = try RedisEndpoint(url: url) }
}

/// A Redis connection served by one dedicated thread running hiredis's blocking API.
///
/// Why a thread and not NIO or the cooperative pool: hiredis 0.14's synchronous API blocks in
/// `read(2)`, and a blocking `XREADGROUP … BLOCK` holds the socket for up to the block time. Such
/// calls must never occupy a Swift concurrency thread (the pool has as many threads as cores) or a
/// NIO event loop. A thread per connection costs little (a consumer has two) and keeps hiredis
/// single-threaded, as it requires.
///
/// Requests queue up; the thread takes *all* queued requests at once, appends every command to
/// hiredis's output buffer, writes them in one go and then reads the replies in order
/// (pipelining), so concurrent callers share round trips. `send` suspends on a continuation and is
/// resumed by the thread. After an I/O error or timeout the connection is dropped; the next request
/// reconnects (immediately, then with exponential backoff), re-running AUTH and SELECT.
public final class RedisConnection: Sendable {
    private let core: ConnectionCore

    public var configuration: RedisConnectionConfiguration { core.configuration }

    /// Starts the connection's thread; it connects lazily, on the first request.
    public init(configuration: RedisConnectionConfiguration, logger: Logger = Logger(label: "imapworker.redis")) {
        core = ConnectionCore(configuration: configuration, logger: logger)
        let name = "redis-\(configuration.name)"
        let thread = Thread { [core] in
            cshim_set_thread_name(name)
            core.run()
        }
        thread.start()
    }

    /// Opens a connection and checks it with PING, so that a bad address or password fails here.
    public static func connect(_ configuration: RedisConnectionConfiguration,
                               logger: Logger = Logger(label: "imapworker.redis")) async throws -> RedisConnection {
        var once = configuration
        once.backoff.giveUpAfter = .zero  // a first connection that fails reports at once
        let connection = RedisConnection(configuration: once, logger: logger)
        do {
            let reply = try await connection.send(["PING"])
            if let message = reply.errorMessage { throw RedisError.server(message) }
        } catch {
            connection.close()
            throw error
        }
        connection.core.restoreBackoff(configuration.backoff)
        return connection
    }

    deinit { core.close() }

    /// Sends `commands` as one pipeline and returns their replies in order. Error replies are
    /// returned as `.error` values; transport failures are thrown (`RedisError`).
    public func send(_ commands: [RedisCommand], extraTimeout: Duration = .zero) async throws -> [RESPValue] {
        if commands.isEmpty { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            core.enqueue(ConnectionCore.Request(commands: commands, extraTimeout: extraTimeout, continuation: continuation))
        }
    }

    public func send(_ command: RedisCommand, extraTimeout: Duration = .zero) async throws -> RESPValue {
        let replies = try await send([command], extraTimeout: extraTimeout)
        guard let reply = replies.first else { throw RedisError.unexpectedReply("no reply") }
        return reply
    }

    /// Fails queued requests with `RedisError.closed` and ends the thread once the request in
    /// progress (if any) is done.
    public func close() { core.close() }
}

/// The state shared by a `RedisConnection` and its thread.
final class ConnectionCore: Sendable {
    struct Request: Sendable {
        let commands: [RedisCommand]
        let extraTimeout: Duration
        let continuation: CheckedContinuation<[RESPValue], any Error>
    }

    private struct Queue {
        var requests: [Request] = []
        var closed = false
        var backoff: ReconnectBackoff
    }

    let configuration: RedisConnectionConfiguration
    private let logger: Logger
    private let queue: Mutex<Queue>
    /// Signalled once per enqueued request and on close.
    private let wakeup = DispatchSemaphore(value: 0)
    /// Signalled on close: cuts a backoff sleep short.
    private let closing = DispatchSemaphore(value: 0)

    init(configuration: RedisConnectionConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        queue = Mutex(Queue(backoff: configuration.backoff))
    }

    func enqueue(_ request: Request) {
        let accepted = queue.withLock { state in
            if state.closed { return false }
            state.requests.append(request)
            return true
        }
        if accepted { wakeup.signal() } else { request.continuation.resume(throwing: RedisError.closed) }
    }

    func restoreBackoff(_ backoff: ReconnectBackoff) { queue.withLock { $0.backoff = backoff } }

    func close() {
        let requests = queue.withLock { state in
            if state.closed { return [Request]() }
            state.closed = true
            defer { state.requests = [] }
            return state.requests
        }
        for request in requests { request.continuation.resume(throwing: RedisError.closed) }
        wakeup.signal()
        closing.signal()
    }

    /// The thread's loop: take all queued requests, (re)connect if needed, pipeline them.
    func run() {
        var session: HiredisSession?
        var everConnected = false
        var spun = false
        while true {
            // Right after a batch, the next request usually follows within microseconds (a reply
            // handed to a waiting task, which answers at once). Polling the queue briefly before
            // sleeping saves a futex wake-up per round trip; then the thread sleeps on the semaphore.
            if !(spun && awaitRequest(within: configuration.pollBeforeSleeping)) { wakeup.wait() }
            spun = false
            let (batch, closed) = queue.withLock { state in
                defer { state.requests = [] }
                return (state.requests, state.closed)
            }
            if closed {
                for request in batch { request.continuation.resume(throwing: RedisError.closed) }
                return
            }
            if batch.isEmpty { continue }
            if session == nil {
                switch connect() {
                case .success(let made):
                    session = made
                    if everConnected { logger.info("redis reconnected", metadata: ["connection": "\(configuration.name)"]) }
                    everConnected = true
                case .failure(let error):
                    for request in batch { request.continuation.resume(throwing: error) }
                    continue
                }
            }
            guard let current = session else { continue }
            if !execute(batch, on: current) { session = nil }
            spun = true
        }
    }

    /// Polls the queue for up to `window`, yielding the CPU between looks. True when a request is there.
    private func awaitRequest(within window: Duration) -> Bool {
        guard window > .zero else { return false }
        let deadline = ContinuousClock.now + window
        repeat {
            if queue.withLock({ !$0.requests.isEmpty || $0.closed }) { return true }
            sched_yield()
        } while ContinuousClock.now < deadline
        return false
    }

    /// Connects, retrying with backoff; gives up after `giveUpAfter` or on errors that retrying cannot fix.
    private func connect() -> Result<HiredisSession, RedisError> {
        let backoff = queue.withLock { $0.backoff }
        let start = ContinuousClock.now
        var failures = 0
        while true {
            do {
                return .success(try HiredisSession(endpoint: configuration.endpoint, connectTimeout: configuration.connectTimeout))
            } catch {
                switch error {
                case .authenticationFailed, .invalidURL, .tlsUnsupported, .server:
                    return .failure(error)
                default:
                    break
                }
                failures += 1
                if let limit = backoff.giveUpAfter, ContinuousClock.now - start >= limit {
                    return .failure(failures == 1 && limit == .zero ? error : .unavailable(error.description))
                }
                let delay = backoff.delay(afterFailures: failures)
                logger.warning("redis connect failed, retrying", metadata: [
                    "connection": "\(configuration.name)", "endpoint": "\(configuration.endpoint)",
                    "error": "\(error)", "retry_in": "\(delay)",
                ])
                let (seconds, attoseconds) = delay.components
                let nanos = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
                if closing.wait(timeout: .now() + .nanoseconds(nanos)) == .success {
                    closing.signal()  // leave it set for the run loop's own check
                    return .failure(.closed)
                }
            }
        }
    }

    /// Pipelines every command of `batch` and resumes each request with its replies.
    /// Returns false when the session broke and must be dropped.
    private func execute(_ batch: [Request], on session: HiredisSession) -> Bool {
        let extra = batch.map(\.extraTimeout).max() ?? .zero
        session.setTimeout(configuration.commandTimeout + extra)
        for request in batch {
            for command in request.commands { session.append(command) }
        }
        var index = 0
        do {
            while index < batch.count {
                var replies: [RESPValue] = []
                replies.reserveCapacity(batch[index].commands.count)
                for _ in batch[index].commands { replies.append(try session.readReply()) }
                batch[index].continuation.resume(returning: replies)
                index += 1
            }
            return true
        } catch {
            logger.warning("redis connection dropped", metadata: ["connection": "\(configuration.name)", "error": "\(error)"])
            for request in batch[index...] { request.continuation.resume(throwing: error) }
            return false
        }
    }
}
