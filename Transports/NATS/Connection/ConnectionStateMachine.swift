/// The life of a NATS connection as a pure state machine: events in, actions out.
///
/// It decides the handshake (INFO → [TLS] → CONNECT+PING → PONG or -ERR), keep-alive (client
/// pings, stale after `maxPingsOutstanding` unanswered), lame duck, and what to do when the
/// connection ends: try the next server of the pool now or after a backoff, or give up. It does
/// no I/O; `ConnectionDriver` executes its actions on the event loop.
struct ConnectionStateMachine {
    struct Configuration: Sendable, Equatable {
        var maxPingsOutstanding = NATSOptions.defaultMaxPingsOutstanding
        var allowReconnect = true
        var maxReconnectAttempts: Int? = NATSOptions.defaultMaxReconnectAttempts
        var backoff = ReconnectBackoff(wait: NATSOptions.defaultReconnectWait,
                                       maxWait: NATSOptions.defaultMaxReconnectWait,
                                       jitter: NATSOptions.defaultReconnectJitter)
        /// TLS asked for by the options, whatever the URL or server says.
        var tlsRequired = false
    }

    enum State: Equatable {
        case idle
        /// A TCP connection is being opened.
        case connecting(ServerAddress)
        case awaitingInfo(ServerAddress)
        case upgradingTLS(ServerAddress, ServerInfo)
        /// CONNECT and PING were sent; PONG confirms, -ERR refuses.
        case awaitingHandshakePong(ServerAddress, ServerInfo)
        case connected(ServerAddress, ServerInfo)
        case waitingToReconnect(ServerAddress)
        case closing
        case closed
    }

    /// Who waits for the next PONG: PONGs answer PINGs in order.
    enum PongWaiter: Equatable {
        case keepAlive
        case flush(UInt64)
    }

    enum Action: Equatable {
        case none
        case openConnection(ServerAddress)
        /// The connection is gone; open one to `server` after `delay`. `disconnected` is set when
        /// an established connection was lost (the reason, for the event).
        case scheduleReconnect(ServerAddress, after: Duration, disconnected: NATSError?, wasConnected: Bool)
        case startTLS(ServerAddress)
        /// Send CONNECT (credentials of `server` or the options) followed by PING.
        case sendConnect(ServerAddress, ServerInfo, tls: Bool)
        /// PONG answered the handshake: resend subscriptions, flush the reconnect buffer, send
        /// `flushPings` PINGs for the flushes that waited, start the ping timer, report.
        case established(ServerAddress, ServerInfo, isReconnect: Bool, flushPings: Int)
        case sendPing
        case sendPong
        case succeedFlush(UInt64)
        case failFlush(UInt64, NATSError)
        case infoUpdated(ServerInfo, enteredLameDuck: Bool)
        case reportServerError(String)
        /// Close the channel; `connectionClosed` follows.
        case closeConnection
        /// The first connection could not be made to any server.
        case failInitialConnect(NATSError)
        /// The client is closed for good.
        case finish(NATSError?, wasConnected: Bool)
    }

    let configuration: Configuration
    private(set) var state: State = .idle
    private(set) var pool: ServerPool
    private(set) var pingsOutstanding = 0
    private var pongQueue: [PongWaiter] = []
    /// Flushes asked for while not connected: their PINGs go out after the next handshake.
    private var pendingFlushes: [UInt64] = []
    private var hasConnected = false
    private var attempts = 0
    private var initialServersLeft = 0
    private var stopReconnecting = false
    /// Why the current connection is ending (recorded before the channel closes).
    private var closeReason: NATSError?

    init(configuration: Configuration, servers: [ServerAddress]) {
        self.configuration = configuration
        self.pool = ServerPool(servers)
    }

    var currentServer: ServerAddress? {
        switch state {
        case .connecting(let server), .awaitingInfo(let server), .upgradingTLS(let server, _),
             .awaitingHandshakePong(let server, _), .connected(let server, _), .waitingToReconnect(let server):
            server
        case .idle, .closing, .closed:
            nil
        }
    }

    var isConnected: Bool {
        if case .connected = state { return true }
        return false
    }

    // MARK: - Events

    mutating func start() -> Action {
        guard case .idle = state else { return .none }
        guard let server = pool.next() else {
            state = .closed
            return .failInitialConnect(.noServersAvailable("no server configured"))
        }
        initialServersLeft = pool.count - 1
        state = .connecting(server)
        return .openConnection(server)
    }

    mutating func reconnectTimerFired() -> Action {
        guard case .waitingToReconnect(let server) = state else { return .none }
        state = .connecting(server)
        return .openConnection(server)
    }

    mutating func channelActive() -> Action {
        switch state {
        case .connecting(let server):
            state = .awaitingInfo(server)
            return .none
        case .closing:
            return .closeConnection
        default:
            return .none
        }
    }

    mutating func infoReceived(_ info: ServerInfo) -> Action {
        switch state {
        case .awaitingInfo(let server):
            pool.add(connectURLs: info.connectURLs, announcedBy: server)
            if server.tlsRequired || configuration.tlsRequired || info.tlsRequired {
                guard info.tlsRequired || info.tlsAvailable else {
                    return closeConnection(because: .tls("the server does not offer TLS"))
                }
                state = .upgradingTLS(server, info)
                return .startTLS(server)
            }
            state = .awaitingHandshakePong(server, info)
            return .sendConnect(server, info, tls: false)
        case .awaitingHandshakePong(let server, _):
            state = .awaitingHandshakePong(server, info)
            return .infoUpdated(info, enteredLameDuck: false)
        case .connected(let server, let previous):
            pool.add(connectURLs: info.connectURLs, announcedBy: server)
            state = .connected(server, info)
            return .infoUpdated(info, enteredLameDuck: info.lameDuckMode && !previous.lameDuckMode)
        default:
            return .none
        }
    }

    mutating func tlsEstablished() -> Action {
        guard case .upgradingTLS(let server, let info) = state else { return .none }
        state = .awaitingHandshakePong(server, info)
        return .sendConnect(server, info, tls: true)
    }

    mutating func pongReceived() -> Action {
        switch state {
        case .awaitingHandshakePong(let server, let info):
            state = .connected(server, info)
            pool.recordConnected(server)
            let isReconnect = hasConnected
            hasConnected = true
            attempts = 0
            pingsOutstanding = 0
            pongQueue = pendingFlushes.map { .flush($0) }
            let flushPings = pendingFlushes.count
            pendingFlushes = []
            return .established(server, info, isReconnect: isReconnect, flushPings: flushPings)
        case .connected:
            pingsOutstanding = 0
            guard !pongQueue.isEmpty else { return .none }
            if case .flush(let id) = pongQueue.removeFirst() { return .succeedFlush(id) }
            return .none
        default:
            return .none
        }
    }

    mutating func pingReceived() -> Action {
        switch state {
        case .awaitingInfo, .upgradingTLS, .awaitingHandshakePong, .connected: .sendPong
        default: .none
        }
    }

    mutating func flushRequested(_ id: UInt64) -> Action {
        switch state {
        case .connected:
            pongQueue.append(.flush(id))
            return .sendPing
        case .closing, .closed:
            return .failFlush(id, .connectionClosed)
        case .idle, .connecting, .awaitingInfo, .upgradingTLS, .awaitingHandshakePong, .waitingToReconnect:
            pendingFlushes.append(id)
            return .none
        }
    }

    mutating func pingTimerFired() -> Action {
        guard case .connected = state else { return .none }
        if pingsOutstanding >= configuration.maxPingsOutstanding {
            return closeConnection(because: .staleConnection)
        }
        pingsOutstanding += 1
        pongQueue.append(.keepAlive)
        return .sendPing
    }

    mutating func handshakeTimedOut() -> Action {
        switch state {
        case .connecting, .awaitingInfo, .upgradingTLS, .awaitingHandshakePong:
            return closeConnection(because: .timeout)
        default:
            return .none
        }
    }

    /// `-ERR`: permission errors leave the connection up; everything else ends it (the server
    /// closes it anyway). The same authorization error twice from a server stops reconnecting.
    mutating func errorReceived(_ text: String) -> Action {
        let lowered = text.lowercased()
        if lowered.contains("permissions violation") {
            return .reportServerError(text)
        }
        if lowered.contains("authorization") || lowered.contains("authentication") {
            if let server = currentServer, pool.recordAuthError(text, from: server) {
                stopReconnecting = true
            }
            return closeConnection(because: .authorization(text))
        }
        if lowered.contains("stale connection") {
            return closeConnection(because: .staleConnection)
        }
        return closeConnection(because: .serverError(text))
    }

    /// A socket, TLS or parse error on the current connection.
    mutating func errorCaught(_ error: NATSError) -> Action {
        switch state {
        case .idle, .closed, .waitingToReconnect: return .none
        case .closing: return .closeConnection
        default: return closeConnection(because: error)
        }
    }

    /// The channel closed or could not be opened. `random` is uniform in [0, 1) for the jitter.
    mutating func connectionClosed(random: Double) -> Action {
        let wasConnected: Bool
        switch state {
        case .closing:
            state = .closed
            return .finish(nil, wasConnected: false)
        case .idle, .closed, .waitingToReconnect:
            return .none
        case .connecting, .awaitingInfo, .upgradingTLS, .awaitingHandshakePong:
            wasConnected = false
        case .connected:
            wasConnected = true
            pendingFlushes = pongQueue.compactMap { if case .flush(let id) = $0 { id } else { nil } } + pendingFlushes
            pongQueue = []
        }
        let reason = closeReason ?? .io("connection closed")
        closeReason = nil
        pingsOutstanding = 0

        if !hasConnected {
            if initialServersLeft > 0, let server = pool.next() {
                initialServersLeft -= 1
                state = .waitingToReconnect(server)
                return .scheduleReconnect(server, after: .zero, disconnected: nil, wasConnected: false)
            }
            state = .closed
            if case .authorization = reason { return .failInitialConnect(reason) }
            if case .tls = reason { return .failInitialConnect(reason) }
            return .failInitialConnect(.noServersAvailable(reason.description))
        }
        guard configuration.allowReconnect, !stopReconnecting else {
            state = .closed
            return .finish(reason, wasConnected: wasConnected)
        }
        attempts += 1
        if let limit = configuration.maxReconnectAttempts, attempts > limit {
            state = .closed
            return .finish(.maxReconnectAttemptsExceeded, wasConnected: wasConnected)
        }
        guard let server = pool.next() else {
            state = .closed
            return .finish(reason, wasConnected: wasConnected)
        }
        state = .waitingToReconnect(server)
        let delay = configuration.backoff.delay(attempt: attempts, random: random)
        return .scheduleReconnect(server, after: delay, disconnected: wasConnected ? reason : nil, wasConnected: wasConnected)
    }

    mutating func closeRequested() -> Action {
        switch state {
        case .idle, .waitingToReconnect:
            state = .closed
            return .finish(nil, wasConnected: false)
        case .closing, .closed:
            return .none
        case .connecting, .awaitingInfo, .upgradingTLS, .awaitingHandshakePong, .connected:
            state = .closing
            return .closeConnection
        }
    }

    private mutating func closeConnection(because reason: NATSError) -> Action {
        if closeReason == nil { closeReason = reason }
        return .closeConnection
    }
}
