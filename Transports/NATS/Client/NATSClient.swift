import EventLoopExecutor
import NIOCore
import NIOPosix

/// A NATS client: one connection (reconnected as needed) shared by any number of tasks.
///
///     let client = try await NATSClient.connect(NATSOptions(url: "nats://127.0.0.1:4222"))
///     let sub = try client.subscribe("orders", queue: "workers")
///     try await client.publish("orders", payload: Array("hello".utf8))
///     for await message in sub { … }
///     try await client.drain()
public final class NATSClient: Sendable {
    public static let version = "0.1.0"
    public static let defaultRequestTimeout: Duration = .seconds(5)
    public static let defaultFlushTimeout: Duration = .seconds(10)

    let core: ClientCore

    /// Connection events, in order: connected, disconnected, reconnected, lame duck, slow
    /// consumer, server error, closed. The sequence ends when the client is closed.
    public var events: AsyncStream<NATSEvent> { core.events }

    private init(core: ClientCore) {
        self.core = core
    }

    /// A client dropped without `close()` closes its connection (subscriptions end).
    deinit {
        let core = self.core
        guard !core.isClosed else { return }
        core.eventLoop.execute { core.process { $0.closeRequested() } }
    }

    /// Connects to the first server of `options.servers` that completes the handshake.
    public static func connect(_ options: NATSOptions,
                               eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> NATSClient {
        let core = try ClientCore(options: options, eventLoop: eventLoopGroup.next())
        try await core.start()
        return NATSClient(core: core)
    }

    /// The event loop the connection runs on.
    public var eventLoop: any EventLoop { core.eventLoop }

    /// A task executor running jobs on the connection's event loop. A task that prefers it
    /// (`withTaskExecutorPreference(client.taskExecutor) { … }`) talks to the client without any
    /// thread hop: the lowest request/reply latency. Such a task must never block.
    public var taskExecutor: any TaskExecutor { EventLoopTaskExecutor(eventLoop: core.eventLoop) }

    /// The largest message (headers + payload) the connected server accepts.
    public var maxPayload: Int { core.state.withLockedValue { $0.maxPayload } }

    /// The servers the client may use: the configured ones, then those the cluster announced
    /// (INFO connect_urls). Credentials are never shown.
    public var knownServers: [String] {
        core.state.withLockedValue { $0.machine.pool.entries.map(\.address.description) }
    }

    /// The INFO of the server currently (or last) connected.
    public var serverInfo: ServerInfo? { core.state.withLockedValue { $0.serverInfo } }

    // MARK: - Publish

    /// Publishes a message. It is written with the next batch of the event loop; while
    /// disconnected it goes to the reconnect buffer. Waits only when the socket falls behind.
    nonisolated(nonsending) public func publish(_ subject: String, payload: ByteBuffer, headers: NATSHeaders? = nil,
                        replyTo: String? = nil) async throws {
        let headerBlock = try validate(subject, headers: headers, replyTo: replyTo)
        let outcome: Result<ClientCore.AppendOutcome, NATSError> = payload.withUnsafeReadableBytes { bytes in
            do throws(NATSError) {
                return .success(try core.appendPublish(subject: subject, replyTo: replyTo, headerBlock: headerBlock, payload: bytes))
            } catch {
                return .failure(error)
            }
        }
        await core.afterAppend(try outcome.get())
    }

    nonisolated(nonsending) public func publish(_ subject: String, payload: [UInt8] = [], headers: NATSHeaders? = nil,
                        replyTo: String? = nil) async throws {
        let headerBlock = try validate(subject, headers: headers, replyTo: replyTo)
        let outcome: Result<ClientCore.AppendOutcome, NATSError> = payload.withUnsafeBytes { bytes in
            do throws(NATSError) {
                return .success(try core.appendPublish(subject: subject, replyTo: replyTo, headerBlock: headerBlock, payload: bytes))
            } catch {
                return .failure(error)
            }
        }
        await core.afterAppend(try outcome.get())
    }

    nonisolated(nonsending) public func publish(_ subject: String, payload: String, headers: NATSHeaders? = nil,
                        replyTo: String? = nil) async throws {
        try await publish(subject, payload: Array(payload.utf8), headers: headers, replyTo: replyTo)
    }

    /// Appends a publish and never waits (no back-pressure): for handlers running on the event
    /// loop, which must not suspend. Written with the loop's next flush.
    public func publishWithoutWaiting(_ subject: String, payload: [UInt8], replyTo: String? = nil) throws(NATSError) {
        _ = try validate(subject, headers: nil, replyTo: replyTo)
        let outcome: Result<ClientCore.AppendOutcome, NATSError> = payload.withUnsafeBytes { bytes in
            do throws(NATSError) {
                return .success(try core.appendPublish(subject: subject, replyTo: replyTo, headerBlock: nil, payload: bytes))
            } catch {
                return .failure(error)
            }
        }
        if case .appended(scheduleFlush: true, _) = try outcome.get() {
            let core = self.core
            core.eventLoop.execute { core.flushOutbound() }
        }
    }

    @inline(__always)
    private func validate(_ subject: String, headers: NATSHeaders?, replyTo: String?) throws(NATSError) -> [UInt8]? {
        guard isValidSubject(subject) else { throw .invalidSubject(subject) }
        if let replyTo, !isValidSubject(replyTo) { throw .invalidSubject(replyTo) }
        guard let headers else { return nil }
        return try HeaderBlock.encode(headers)
    }

    // MARK: - Subscribe

    /// Subscribes to `subject` (wildcards `*` and `>` allowed), optionally in a queue group: the
    /// server gives each message to one member of the group.
    public func subscribe(_ subject: String, queue: String? = nil) throws -> NATSSubscription {
        try core.subscribe(subject: subject, queue: queue, handler: nil)
    }

    /// Subscribes with a handler called on the connection's event loop for every message, in
    /// order. Nothing is buffered, so nothing is ever dropped as a slow consumer; the handler must
    /// therefore never block (hand work to a task). The returned subscription's sequence yields
    /// nothing and ends with the subscription.
    public func subscribe(_ subject: String, queue: String? = nil,
                          handler: @escaping @Sendable (NATSMessage) -> Void) throws -> NATSSubscription {
        try core.subscribe(subject: subject, queue: queue, handler: handler)
    }

    // MARK: - Request/reply

    /// Publishes a request with a unique reply subject and waits for the first answer.
    /// Throws `NATSError.noResponders` at once when no one listens, `.timeout` after `timeout`.
    nonisolated(nonsending) public func request(_ subject: String, payload: [UInt8] = [], headers: NATSHeaders? = nil,
                        timeout: Duration = defaultRequestTimeout) async throws -> NATSMessage {
        var buffer = core.allocator.buffer(capacity: payload.count)
        buffer.writeBytes(payload)
        return try await request(subject, payload: buffer, headers: headers, timeout: timeout)
    }

    nonisolated(nonsending) public func request(_ subject: String, payload: ByteBuffer, headers: NATSHeaders? = nil,
                        timeout: Duration = defaultRequestTimeout) async throws -> NATSMessage {
        let headerBlock = try headers.map { headers throws(NATSError) in try HeaderBlock.encode(headers) }
        return try await core.request(subject: subject, headerBlock: headerBlock, payload: payload, timeout: timeout)
    }

    // MARK: - Flush, drain, close

    /// Waits until the server has processed everything published so far (PING → PONG on the
    /// same connection). Throws `.connectionLost` if the connection ends first: publishes written
    /// on it may be lost, and a PONG on the next connection would not prove otherwise.
    nonisolated(nonsending) public func flush(timeout: Duration = defaultFlushTimeout) async throws {
        try await core.flush(timeout: timeout)
    }

    /// Publishes `messages` (subject, reply subject, headers, payload) and returns once the server
    /// has them all. Throws `.connectionLost` if any connection ended between the first publish
    /// and the PONG: then some may be lost (and some delivered), and the caller must publish again.
    nonisolated(nonsending) public func publishConfirmed(_ messages: [NATSMessage],
                                                          timeout: Duration = defaultFlushTimeout) async throws {
        let epoch = core.lossEpoch
        for message in messages {
            try await publish(message.subject, payload: message.payload, headers: message.headers, replyTo: message.replyTo)
        }
        try await core.flush(timeout: timeout, since: epoch)
    }

    /// Unsubscribes everything, lets subscribers take what is already buffered (up to
    /// `options.drainTimeout`), flushes the publishes, and closes.
    public func drain() async throws {
        let buffers = core.unsubscribeAllForDrain()
        try? await core.flush(timeout: core.options.drainTimeout)
        core.finishSubscriptions()
        let deadline = ContinuousClock.now + core.options.drainTimeout
        for buffer in buffers {
            while !buffer.isEmpty && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        await close()
    }

    /// Flushes what was published (briefly) and closes the connection; ends all subscriptions.
    public func close() async {
        if core.state.withLockedValue({ $0.mode == .live }) {
            try? await core.flush(timeout: .seconds(2))
        }
        await core.requestClose()
    }
}
