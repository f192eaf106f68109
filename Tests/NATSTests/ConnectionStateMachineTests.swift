import Credentials
import Testing
@testable import NATS

private let serverA = ServerAddress(host: "127.0.0.1", port: 4222)
private let serverB = ServerAddress(host: "127.0.0.1", port: 4223)

private func machine(_ servers: [ServerAddress] = [serverA], configure: (inout ConnectionStateMachine.Configuration) -> Void = { _ in }) -> ConnectionStateMachine {
    var configuration = ConnectionStateMachine.Configuration()
    configuration.backoff = ReconnectBackoff(wait: .milliseconds(100), maxWait: .seconds(1), jitter: .milliseconds(10))
    configure(&configuration)
    return ConnectionStateMachine(configuration: configuration, servers: servers)
}

/// Drives a machine through a successful handshake.
private func connect(_ m: inout ConnectionStateMachine, info: ServerInfo = ServerInfo()) {
    if case .idle = m.state { _ = m.start() } else { _ = m.reconnectTimerFired() }
    _ = m.channelActive()
    _ = m.infoReceived(info)
    _ = m.pongReceived()
}

@Suite struct ConnectionStateMachineTests {
    @Test func handshakeIsInfoThenConnectAndPingThenPong() {
        var m = machine()
        #expect(m.start() == .openConnection(serverA))
        #expect(m.channelActive() == .none)
        let info = ServerInfo()
        #expect(m.infoReceived(info) == .sendConnect(serverA, info, tls: false))
        #expect(m.pongReceived() == .established(serverA, info, isReconnect: false, flushPings: 0))
        #expect(m.isConnected)
    }

    @Test func tlsIsStartedWhenTheServerRequiresIt() {
        var m = machine()
        _ = m.start()
        _ = m.channelActive()
        var info = ServerInfo()
        info.tlsRequired = true
        #expect(m.infoReceived(info) == .startTLS(serverA))
        #expect(m.tlsEstablished() == .sendConnect(serverA, info, tls: true))
    }

    @Test func tlsURLAgainstAPlainServerFails() {
        var m = machine([ServerAddress(host: "h", tlsRequired: true)])
        _ = m.start()
        _ = m.channelActive()
        #expect(m.infoReceived(ServerInfo()) == .closeConnection)
        #expect(m.connectionClosed(random: 0) == .failInitialConnect(.tls("the server does not offer TLS")))
    }

    @Test func authorizationErrorDuringHandshakeFailsTheFirstConnect() {
        var m = machine()
        _ = m.start()
        _ = m.channelActive()
        _ = m.infoReceived(ServerInfo())
        #expect(m.errorReceived("Authorization Violation") == .closeConnection)
        #expect(m.connectionClosed(random: 0) == .failInitialConnect(.authorization("Authorization Violation")))
    }

    @Test func firstConnectTriesEveryServerOnce() {
        var m = machine([serverA, serverB])
        #expect(m.start() == .openConnection(serverA))
        _ = m.errorCaught(.io("refused"))
        #expect(m.connectionClosed(random: 0) == .scheduleReconnect(serverB, after: .zero, disconnected: nil, wasConnected: false))
        #expect(m.reconnectTimerFired() == .openConnection(serverB))
        _ = m.errorCaught(.io("refused"))
        guard case .failInitialConnect(.noServersAvailable) = m.connectionClosed(random: 0) else {
            Issue.record("expected failInitialConnect")
            return
        }
    }

    @Test func reconnectIsImmediateThenBacksOffExponentiallyWithJitter() {
        var m = machine()
        connect(&m)
        _ = m.errorCaught(.io("reset"))
        #expect(m.connectionClosed(random: 0.5) ==
                .scheduleReconnect(serverA, after: .zero, disconnected: .io("reset"), wasConnected: true))
        var delays: [Duration] = []
        for _ in 0..<5 {
            _ = m.reconnectTimerFired()
            guard case .scheduleReconnect(_, let delay, _, let wasConnected) = m.connectionClosed(random: 0.5) else {
                Issue.record("expected a reconnect")
                return
            }
            #expect(!wasConnected)
            delays.append(delay)
        }
        #expect(delays == [.milliseconds(105), .milliseconds(205), .milliseconds(405), .milliseconds(805), .milliseconds(1005)])
    }

    @Test func reconnectResendsAfterHandshakeAndReportsAReconnect() {
        var m = machine()
        connect(&m)
        _ = m.connectionClosed(random: 0)
        #expect(m.flushRequested(9) == .none)  // waits for the next connection
        _ = m.reconnectTimerFired()
        _ = m.channelActive()
        _ = m.infoReceived(ServerInfo())
        #expect(m.pongReceived() == .established(serverA, ServerInfo(), isReconnect: true, flushPings: 1))
        #expect(m.pongReceived() == .succeedFlush(9))
    }

    @Test func serversFromConnectURLsJoinThePool() {
        var m = machine()
        var info = ServerInfo()
        info.connectURLs = ["127.0.0.1:4223"]
        connect(&m, info: info)
        _ = m.connectionClosed(random: 0)
        #expect(m.currentServer == serverB)
        #expect(m.pool.entries.last?.isImplicit == true)
    }

    @Test func sameAuthorizationErrorTwiceStopsReconnecting() {
        var m = machine()
        connect(&m)
        _ = m.connectionClosed(random: 0)
        _ = m.reconnectTimerFired()
        _ = m.channelActive()
        _ = m.infoReceived(ServerInfo())
        _ = m.errorReceived("Authorization Violation")
        guard case .scheduleReconnect = m.connectionClosed(random: 0) else {
            Issue.record("a first auth error is retried")
            return
        }
        _ = m.reconnectTimerFired()
        _ = m.channelActive()
        _ = m.infoReceived(ServerInfo())
        _ = m.errorReceived("Authorization Violation")
        #expect(m.connectionClosed(random: 0) == .finish(.authorization("Authorization Violation"), wasConnected: false))
    }

    @Test func maxReconnectAttempts() {
        var m = machine { $0.maxReconnectAttempts = 2 }
        connect(&m)
        _ = m.connectionClosed(random: 0)
        _ = m.reconnectTimerFired()
        _ = m.connectionClosed(random: 0)
        _ = m.reconnectTimerFired()
        #expect(m.connectionClosed(random: 0) == .finish(.maxReconnectAttemptsExceeded, wasConnected: false))
    }

    @Test func staleAfterTwoUnansweredPings() {
        var m = machine()
        connect(&m)
        #expect(m.pingTimerFired() == .sendPing)
        #expect(m.pongReceived() == .none)  // answered: the count restarts
        #expect(m.pingTimerFired() == .sendPing)
        #expect(m.pingTimerFired() == .sendPing)
        #expect(m.pingTimerFired() == .closeConnection)
        #expect(m.connectionClosed(random: 0) == .scheduleReconnect(serverA, after: .zero, disconnected: .staleConnection, wasConnected: true))
    }

    @Test func flushesAreAnsweredInOrderAmongKeepAlives() {
        var m = machine()
        connect(&m)
        #expect(m.flushRequested(1) == .sendPing)
        #expect(m.pingTimerFired() == .sendPing)
        #expect(m.flushRequested(2) == .sendPing)
        #expect(m.pongReceived() == .succeedFlush(1))
        #expect(m.pongReceived() == .none)
        #expect(m.pongReceived() == .succeedFlush(2))
    }

    @Test func serverPingIsAnswered() {
        var m = machine()
        connect(&m)
        #expect(m.pingReceived() == .sendPong)
    }

    @Test func lameDuckIsReportedOnce() {
        var m = machine()
        connect(&m)
        var info = ServerInfo()
        info.lameDuckMode = true
        #expect(m.infoReceived(info) == .infoUpdated(info, enteredLameDuck: true))
        #expect(m.infoReceived(info) == .infoUpdated(info, enteredLameDuck: false))
    }

    @Test func permissionViolationKeepsTheConnection() {
        var m = machine()
        connect(&m)
        #expect(m.errorReceived("Permissions Violation for Publish to \"x\"") == .reportServerError("Permissions Violation for Publish to \"x\""))
        #expect(m.isConnected)
    }

    @Test func closeWhileConnectedAndWhileWaiting() {
        var m = machine()
        connect(&m)
        #expect(m.closeRequested() == .closeConnection)
        #expect(m.connectionClosed(random: 0) == .finish(nil, wasConnected: false))
        var waiting = machine()
        connect(&waiting)
        _ = waiting.connectionClosed(random: 0)
        #expect(waiting.closeRequested() == .finish(nil, wasConnected: false))
        #expect(waiting.reconnectTimerFired() == .none)
    }

    @Test func noReconnectWhenDisallowed() {
        var m = machine { $0.allowReconnect = false }
        connect(&m)
        _ = m.errorCaught(.io("reset"))
        #expect(m.connectionClosed(random: 0) == .finish(.io("reset"), wasConnected: true))
    }
}

@Suite struct ServerAddressTests {
    @Test func urls() throws {
        let plain = try ServerAddress(url: "nats://10.1.2.3:4333")
        #expect(plain.host == "10.1.2.3" && plain.port == 4333 && !plain.tlsRequired)
        let tls = try ServerAddress(url: "tls://example.org")
        #expect(tls.tlsRequired && tls.port == 4222)
        let bare = try ServerAddress(url: "localhost:5222")
        #expect(bare.host == "localhost" && bare.port == 5222)
        let withUser = try ServerAddress(url: "nats://alice:s%40cret@127.0.0.1:4222")
        #expect(withUser.user == "alice" && withUser.password == Secret("s@cret"))
        let withToken = try ServerAddress(url: "nats://t0ken@127.0.0.1")
        #expect(withToken.token == Secret("t0ken") && withToken.user == nil)
        let ipv6 = try ServerAddress(url: "nats://[::1]:4222")
        #expect(ipv6.host == "::1")
    }

    @Test func credentialsNeverPrinted() throws {
        let address = try ServerAddress(url: "nats://alice:hunter2@127.0.0.1:4222")
        #expect(!"\(address)".contains("hunter2"))
        #expect(!String(reflecting: address).contains("hunter2"))
        let token = try ServerAddress(url: "nats://tok3n@127.0.0.1:4222")
        #expect(!"\(token)".contains("tok3n"))
        #expect("\(Secret("x1"))" == "<redacted>")
    }

    @Test(arguments: ["http://h:1", "nats://h:notaport", "nats://:4222", "nats://h:70000"])
    func invalidURLs(_ url: String) {
        #expect(throws: NATSError.self) { _ = try ServerAddress(url: url) }
    }
}
