import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The shared heart of a client: the connection state machine, the outbound buffers and the
/// subscription table, behind one lock. The state machine is only driven from the event loop;
/// publishers on any thread only append to the outbound buffer (see ClientCore+Publish.swift).
final class ClientCore: Sendable {
    enum OutboundMode: Equatable {
        /// Connected: commands go to `outbound`, flushed once per event-loop tick.
        case live
        /// Not connected (or handshaking): publishes go to the bounded reconnect buffer.
        case buffering
        case closed
    }

    enum Sink: Sendable {
        case buffer(SubscriptionBuffer)
        /// Called on the event loop for each message (never blocks, so nothing is ever dropped);
        /// the buffer stays empty and only ends the subscription's sequence.
        case handler(@Sendable (NATSMessage) -> Void, SubscriptionBuffer)
        /// The muxed request inbox.
        case replies

        /// The buffer that ends the subscription's sequence (none for the request inbox).
        var buffer: SubscriptionBuffer? {
            switch self {
            case .buffer(let buffer), .handler(_, let buffer): buffer
            case .replies: nil
            }
        }
    }

    struct SubscriptionRecord: Sendable {
        let subject: String
        let queue: String?
        /// Total messages after which the subscription ends (UNSUB max).
        var max: Int?
        var delivered = 0
        let sink: Sink
    }

    struct State {
        var machine: ConnectionStateMachine
        /// Counts connections; events from an older channel are ignored.
        var generation: UInt64 = 0
        var channel: (any Channel)?
        var mode: OutboundMode = .buffering
        var outbound: ByteBuffer
        var flushScheduled = false
        var reconnectBuffer: ByteBuffer
        var maxPayload = NATSOptions.defaultMaxPayload
        var serverInfo: ServerInfo?
        var subscriptions: [UInt64: SubscriptionRecord] = [:]
        var nextSID: UInt64 = 1
        var nextFlushID: UInt64 = 1
        var flushPromises: [UInt64: PendingFlush] = [:]
        /// Counts established connections that ended: bytes written on them may be lost.
        var lossEpoch: UInt64 = 0
        var requests: [String: PendingRequest] = [:]
        /// When the timeout sweep of requests and flushes is armed for (event loop only).
        var timeoutSweepDeadline: NIODeadline?
        var nextRequestToken: UInt64 = 0
        var repliesSID: UInt64?
        var pingTimer: RepeatedTask?
        var handshakeTimeout: Scheduled<Void>?
        var reconnectTask: Scheduled<Void>?
        var connectPromise: EventLoopPromise<Void>?
        var outboundWaiters: [CheckedContinuation<Void, Never>] = []
        /// Writes handed to the channel (each one a syscall at most): tests check the coalescing.
        var outboundWrites = 0
    }

    /// A flush confirms the publishes before it only if no connection ended since it was asked for.
    /// Its timeout is enforced by the sweep that also times out requests.
    struct PendingFlush {
        let promise: EventLoopPromise<Void>
        let lossEpoch: UInt64
        let deadline: NIODeadline
    }

    /// A request waiting for its reply. Timeouts are enforced by one sweep armed at the earliest
    /// deadline, not a timer per request: scheduling and cancelling a timer for every request
    /// costs a timerfd syscall or two on the round trip.
    struct PendingRequest {
        let promise: EventLoopPromise<NATSMessage>
        let deadline: NIODeadline

        func fail(_ error: any Error) { promise.fail(error) }
    }

    let options: NATSOptions
    let eventLoop: any EventLoop
    let logger: Logger
    let events: AsyncStream<NATSEvent>
    let eventsContinuation: AsyncStream<NATSEvent>.Continuation
    /// `_INBOX.<random>.`: replies to this client's requests arrive under it.
    let replyPrefix: String
    let closePromise: EventLoopPromise<Void>
    let state: NIOLockedValueBox<State>
    let allocator = ByteBufferAllocator()
    let tls: TLSSupport

    init(options: NATSOptions, eventLoop: any EventLoop) throws(NATSError) {
        var servers: [ServerAddress] = []
        for url in options.servers { servers.append(try ServerAddress(url: url)) }
        let configuration = ConnectionStateMachine.Configuration(
            maxPingsOutstanding: max(1, options.maxPingsOutstanding),
            allowReconnect: options.allowReconnect,
            maxReconnectAttempts: options.maxReconnectAttempts,
            backoff: ReconnectBackoff(wait: options.reconnectWait, maxWait: options.maxReconnectWait,
                                      jitter: options.reconnectJitter),
            tlsRequired: options.tlsRequired)
        // Everything that can fail comes before the promise (an unfulfilled promise must not leak).
        tls = TLSSupport(options: options)
        if options.tlsRequired || servers.contains(where: { $0.tlsRequired }) || options.tlsCAFile != nil {
            try tls.prepare()
        }
        self.options = options
        self.eventLoop = eventLoop
        self.logger = options.logger
        (events, eventsContinuation) = AsyncStream.makeStream(of: NATSEvent.self, bufferingPolicy: .bufferingNewest(1024))
        replyPrefix = "\(options.inboxPrefix).\(NUID.next())."
        closePromise = eventLoop.makePromise(of: Void.self)
        let allocator = self.allocator
        state = NIOLockedValueBox(State(
            machine: ConnectionStateMachine(configuration: configuration, servers: servers),
            outbound: allocator.buffer(capacity: 64 * 1024),
            reconnectBuffer: allocator.buffer(capacity: 0)))
    }

    // MARK: - Lifecycle

    /// Opens the first connection; returns once the handshake succeeded on some server.
    func start() async throws {
        let promise = eventLoop.makePromise(of: Void.self)
        state.withLockedValue { $0.connectPromise = promise }
        eventLoop.execute { self.process { $0.start() } }
        try await promise.futureResult.get()
    }

    func requestClose() async {
        eventLoop.execute { self.process { $0.closeRequested() } }
        try? await closePromise.futureResult.get()
    }

    var isClosed: Bool { state.withLockedValue { $0.mode == .closed } }

    /// Feeds one event to the state machine and runs the resulting action. Event loop only.
    func process(_ event: (inout ConnectionStateMachine) -> ConnectionStateMachine.Action) {
        eventLoop.preconditionInEventLoop()
        let action = state.withLockedValue { event(&$0.machine) }
        run(action)
    }

    private func run(_ action: ConnectionStateMachine.Action) {
        switch action {
        case .none:
            break
        case .openConnection(let server):
            open(server)
        case .scheduleReconnect(let server, let delay, let reason, let wasConnected):
            tearDownConnection()
            if wasConnected {
                logger.info("nats: disconnected", metadata: ["reason": "\(reason.map(\.description) ?? "-")"])
                eventsContinuation.yield(.disconnected(reason: reason))
            }
            logger.debug("nats: reconnecting", metadata: ["server": "\(server)", "delay": "\(delay)"])
            let task = eventLoop.scheduleTask(in: TimeAmount(delay)) {
                self.process { $0.reconnectTimerFired() }
            }
            state.withLockedValue { $0.reconnectTask = task }
        case .startTLS(let server):
            startTLS(server)
        case .sendConnect(let server, let info, let tls):
            sendConnect(server, info, tls: tls)
        case .established(let server, let info, let isReconnect, let flushPings):
            established(server, info, isReconnect: isReconnect, flushPings: flushPings)
        case .sendPing:
            writeControl { $0.writePing() }
        case .sendPong:
            writeControl { $0.writePong() }
        case .succeedFlush(let id):
            state.withLockedValue { $0.flushPromises.removeValue(forKey: id) }?.promise.succeed(())
        case .failFlush(let id, let error):
            state.withLockedValue { $0.flushPromises.removeValue(forKey: id) }?.promise.fail(error)
        case .infoUpdated(let info, let enteredLameDuck):
            state.withLockedValue {
                $0.serverInfo = info
                $0.maxPayload = info.maxPayload
            }
            if enteredLameDuck {
                logger.info("nats: server entered lame duck mode")
                eventsContinuation.yield(.lameDuck)
            }
        case .reportServerError(let text):
            logger.warning("nats: server error", metadata: ["error": "\(text)"])
            eventsContinuation.yield(.serverError(text))
        case .closeConnection:
            let channel = state.withLockedValue { $0.channel }
            if channel != nil { flushOutbound() }
            channel?.close(promise: nil)
        case .failInitialConnect(let error):
            tearDownConnection()
            finish(error, reportClosed: false)
        case .finish(let error, let wasConnected):
            tearDownConnection()
            if wasConnected { eventsContinuation.yield(.disconnected(reason: error)) }
            finish(error, reportClosed: true)
        }
    }

    // MARK: - Connections

    private func open(_ server: ServerAddress) {
        let (generation, maxPayload) = state.withLockedValue { s in
            s.generation += 1
            return (s.generation, s.maxPayload)
        }
        let connectTimeout = TimeAmount(options.connectTimeout)
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelOption(ChannelOptions.writeBufferWaterMark,
                           value: .init(low: 1024 * 1024, high: 4 * 1024 * 1024))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = NATSChannelHandler(core: self, generation: generation, maxPayload: maxPayload)
                    try channel.pipeline.syncOperations.addHandler(handler, name: NATSChannelHandler.name)
                }
            }
        let timeout = eventLoop.scheduleTask(in: connectTimeout * 2) {
            guard self.isCurrent(generation) else { return }
            self.process { $0.handshakeTimedOut() }
        }
        state.withLockedValue { $0.handshakeTimeout = timeout }
        bootstrap.connect(host: server.host, port: server.port).whenFailure { error in
            guard self.isCurrent(generation) else { return }
            self.logger.debug("nats: connect failed", metadata: ["server": "\(server)", "error": "\(error)"])
            self.process { $0.errorCaught(.io("cannot connect to \(server.endpoint): \(error)")) }
            self.process { $0.connectionClosed(random: Double.random(in: 0..<1)) }
        }
    }

    func isCurrent(_ generation: UInt64) -> Bool {
        state.withLockedValue { $0.generation == generation }
    }

    /// Forgets the current channel and its timers; publishes go to the reconnect buffer.
    private func tearDownConnection() {
        let (ping, timeout, waiters, lost) = state.withLockedValue { s in
            s.channel = nil
            var lost: [EventLoopPromise<Void>] = []
            if s.mode == .live {
                s.mode = .buffering
                // What was written on this connection may never have reached the server: the
                // flushes waiting for it cannot confirm anything any more.
                s.lossEpoch += 1
                let epoch = s.lossEpoch
                for (id, flush) in s.flushPromises where flush.lossEpoch < epoch {
                    s.flushPromises.removeValue(forKey: id)
                    lost.append(flush.promise)
                }
            }
            s.outbound.clear()
            s.flushScheduled = false
            defer {
                s.pingTimer = nil
                s.handshakeTimeout = nil
                s.outboundWaiters = []
            }
            return (s.pingTimer, s.handshakeTimeout, s.outboundWaiters, lost)
        }
        ping?.cancel()
        timeout?.cancel()
        for waiter in waiters { waiter.resume() }
        for promise in lost { promise.fail(NATSError.connectionLost) }
    }

    private func sendConnect(_ server: ServerAddress, _ info: ServerInfo, tls: Bool) {
        var connect = ConnectInfo()
        connect.tlsRequired = tls
        connect.name = options.name
        connect.echo = options.echo
        if let password = server.password {
            connect.user = server.user
            connect.password = password.value
        } else if let token = server.token {
            connect.token = token.value
        } else if let password = options.password {
            connect.user = options.user
            connect.password = password.value
        } else if let token = options.token {
            connect.token = token.value
        } else if let user = options.user {
            connect.user = user
        }
        let channel = state.withLockedValue { s in
            s.serverInfo = info
            s.maxPayload = info.maxPayload
            return s.channel
        }
        guard let channel else { return }
        var buffer = allocator.buffer(capacity: 512)
        buffer.writeConnect(connect)
        buffer.writePing()
        channel.writeAndFlush(buffer, promise: nil)
    }

    private func established(_ server: ServerAddress, _ info: ServerInfo, isReconnect: Bool, flushPings: Int) {
        let (channel, timeout, waiters) = state.withLockedValue { s in
            // Subscriptions first, so that the buffered publishes reach them.
            var first = allocator.buffer(capacity: 4096 + s.reconnectBuffer.readableBytes)
            for (sid, record) in s.subscriptions.sorted(by: { $0.key < $1.key }) {
                first.writeSub(subject: record.subject, queue: record.queue, sid: sid)
                if let max = record.max { first.writeUnsub(sid: sid, max: max - record.delivered) }
            }
            first.writeBuffer(&s.reconnectBuffer)
            s.reconnectBuffer = allocator.buffer(capacity: 0)
            for _ in 0..<flushPings { first.writePing() }
            first.writeBuffer(&s.outbound)
            s.outbound = first
            s.mode = .live
            s.serverInfo = info
            s.maxPayload = info.maxPayload
            defer {
                s.handshakeTimeout = nil
                s.outboundWaiters = []
            }
            return (s.channel, s.handshakeTimeout, s.outboundWaiters)
        }
        timeout?.cancel()
        flushOutbound()
        for waiter in waiters { waiter.resume() }
        if let channel {
            let interval = TimeAmount(options.pingInterval)
            let timer = channel.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
                self.process { $0.pingTimerFired() }
            }
            state.withLockedValue { $0.pingTimer = timer }
        }
        logger.info(isReconnect ? "nats: reconnected" : "nats: connected", metadata: ["server": "\(server)"])
        eventsContinuation.yield(isReconnect ? .reconnected(server: server.description) : .connected(server: server.description))
        if info.lameDuckMode { eventsContinuation.yield(.lameDuck) }
        state.withLockedValue { s in
            defer { s.connectPromise = nil }
            return s.connectPromise
        }?.succeed(())
    }

    /// Everything ends: waiters fail, subscriptions finish, the events sequence ends.
    private func finish(_ error: NATSError?, reportClosed: Bool) {
        let (connect, flushes, requests, sinks, waiters, reconnect) = state.withLockedValue { s in
            s.mode = .closed
            s.reconnectBuffer = allocator.buffer(capacity: 0)
            defer {
                s.connectPromise = nil
                s.flushPromises = [:]
                s.requests = [:]
                s.subscriptions = [:]
                s.outboundWaiters = []
                s.reconnectTask = nil
            }
            return (s.connectPromise, Array(s.flushPromises.values), Array(s.requests.values),
                    Array(s.subscriptions.values.map(\.sink)), s.outboundWaiters, s.reconnectTask)
        }
        reconnect?.cancel()
        connect?.fail(error ?? NATSError.connectionClosed)
        for flush in flushes { flush.promise.fail(NATSError.connectionClosed) }
        for request in requests { request.fail(NATSError.connectionClosed) }
        for sink in sinks { sink.buffer?.finish() }
        for waiter in waiters { waiter.resume() }
        if reportClosed {
            logger.info("nats: closed", metadata: ["reason": "\(error.map(\.description) ?? "-")"])
            eventsContinuation.yield(.closed(reason: error))
        }
        eventsContinuation.finish()
        closePromise.succeed(())
    }

    // MARK: - From the channel handler (event loop)

    func channelActive(_ channel: any Channel, generation: UInt64) {
        guard state.withLockedValue({ s in
            guard s.generation == generation else { return false }
            s.channel = channel
            return true
        }) else {
            channel.close(promise: nil)
            return
        }
        process { $0.channelActive() }
    }

    func channelInactive(generation: UInt64) {
        guard isCurrent(generation) else { return }
        process { $0.connectionClosed(random: Double.random(in: 0..<1)) }
    }

    func errorCaught(_ error: NATSError, generation: UInt64) {
        guard isCurrent(generation) else { return }
        logger.debug("nats: connection error", metadata: ["error": "\(error)"])
        process { $0.errorCaught(error) }
    }

    func received(_ operation: ServerOperation, generation: UInt64) {
        guard isCurrent(generation) else { return }
        switch operation {
        case .message(let message): deliver([message], generation: generation)
        case .info(let info): process { $0.infoReceived(info) }
        case .ping: process { $0.pingReceived() }
        case .pong: process { $0.pongReceived() }
        case .ok: break
        case .error(let text): process { $0.errorReceived(text) }
        }
    }

    func tlsEstablished(generation: UInt64) {
        guard isCurrent(generation) else { return }
        process { $0.tlsEstablished() }
    }

    func writabilityChanged(generation: UInt64) {
        guard isCurrent(generation) else { return }
        flushOutbound()
    }

    // MARK: - TLS

    private func startTLS(_ server: ServerAddress) {
        guard let channel = state.withLockedValue({ $0.channel }) else { return }
        do {
            try tls.addHandler(to: channel, serverName: server.host)
        } catch {
            process { $0.errorCaught(error) }
        }
    }
}
