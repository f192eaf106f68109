import NIOCore
import NIOPosix
import OpenSSLKit

/// The open byte stream under an IMAP session, with the handlers the session may need to reach.
struct IMAPTransport<Session: Sendable> {
    let channel: any Channel
    /// What the caller's initializer installed at the end of the pipeline.
    let session: Session
    /// Bounds the connection phase (TCP, proxy, TLS handshake, greeting, login).
    let timeout: InactivityTimeoutHandler
    let tunnel: TunnelProcess?
    /// For implicit TLS: completes when the handshake and every certificate check are done.
    var handshake: EventLoopFuture<TLSHandshakeCompleted>?
}

/// Opens the byte stream for each connection kind: TCP (optionally through a SOCKS5 proxy, then
/// TLS for `imaps`) or a tunnel command's pipes.
enum ChannelFactory {
    /// `install` runs on the event loop when the channel exists and adds the session's handler.
    typealias Installer<Session: Sendable> = @Sendable (any Channel, TunnelProcess?) throws -> Session

    static func open<Session: Sendable>(_ configuration: IMAPClientConfiguration, tlsContext: TLSContext?,
                                        group: any EventLoopGroup,
                                        install: @escaping Installer<Session>) async throws -> IMAPTransport<Session> {
        let timeout = InactivityTimeoutHandler(timeout: configuration.connectTimeout.timeAmount)
        timeout.arm()
        switch configuration.kind {
        case .tunnel(let command, let nullStderr):
            let process = try TunnelProcess(command: command, nullStderr: nullStderr)
            do {
                let (channel, session) = try await NIOPipeBootstrap(group: group)
                    .takingOwnershipOfDescriptors(input: process.readDescriptor, output: process.writeDescriptor) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(timeout)
                            return (channel, try install(channel, process))
                        }
                    }
                return IMAPTransport(channel: channel, session: session, timeout: timeout, tunnel: process)
            } catch {
                process.terminate()
                throw IMAPClientError.tunnel("cannot attach to the tunnel command's pipes: \(error)")
            }
        case .imaps, .starttls, .plain:
            let (channel, session) = try await connectTCP(configuration, timeout: timeout, group: group, install: install)
            var transport = IMAPTransport(channel: channel, session: session, timeout: timeout, tunnel: nil)
            if case .imaps = configuration.kind, let tlsContext {
                do {
                    transport.handshake = try await addTLS(to: channel, context: tlsContext, configuration: configuration)
                } catch {
                    try? await channel.close()
                    throw error
                }
            }
            return transport
        }
    }

    /// Inserts the TLS handler at the front of a live pipeline (implicit TLS after the proxy
    /// handshake, or STARTTLS): it starts the handshake at once. Returns the handshake's outcome.
    static func addTLS(to channel: any Channel, context: TLSContext,
                       configuration: IMAPClientConfiguration) async throws -> EventLoopFuture<TLSHandshakeCompleted> {
        let serverName = configuration.tlsServerName ?? configuration.server.host
        let key = sessionKey(configuration)
        return try await channel.eventLoop.submit {
            try addTLS(to: channel.pipeline.syncOperations, context: context, serverName: serverName, sessionKey: key)
        }.get()
    }

    /// The same, from the event loop.
    static func addTLS(to pipeline: ChannelPipeline.SynchronousOperations, context: TLSContext,
                       serverName: String, sessionKey: String?) throws -> EventLoopFuture<TLSHandshakeCompleted> {
        let handler = TLSClientHandler(context: context, serverName: serverName, sessionKey: sessionKey)
        try pipeline.addHandler(handler, position: .first)
        return handler.handshakeFuture
    }

    /// TLS sessions are resumed per server address and the name its certificate was checked
    /// against (a proxy in between changes nothing: TLS is end to end).
    static func sessionKey(_ configuration: IMAPClientConfiguration) -> String {
        let name = configuration.tlsServerName ?? configuration.server.host
        return "\(configuration.server.host):\(configuration.server.port) \(name)"
    }

    private static func connectTCP<Session: Sendable>(_ configuration: IMAPClientConfiguration, timeout: InactivityTimeoutHandler,
                                                      group: any EventLoopGroup,
                                                      install: @escaping Installer<Session>) async throws -> (any Channel, Session) {
        let connectTimeout = configuration.connectTimeout.timeAmount
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
        guard let proxy = configuration.proxy else {
            do {
                return try await bootstrap.connect(host: configuration.server.host, port: configuration.server.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(timeout)
                        return (channel, try install(channel, nil))
                    }
                }
            } catch {
                throw IMAPClientError.connectFailed("\(configuration.server): \(error)")
            }
        }
        let target = try await proxyTarget(configuration.server, remoteResolution: proxy.remoteResolution)
        let handshake = SOCKS5Handshake(target: target, username: proxy.username, password: proxy.password?.value)
        let (channel, session, established): (any Channel, Session, EventLoopFuture<Void>)
        do {
            (channel, session, established) = try await bootstrap.connect(host: proxy.address.host, port: proxy.address.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let promise = channel.eventLoop.makePromise(of: Void.self)
                    try channel.pipeline.syncOperations.addHandler(SOCKS5ClientHandler(handshake: handshake, established: promise))
                    try channel.pipeline.syncOperations.addHandler(timeout)
                    return (channel, try install(channel, nil), promise.futureResult)
                }
            }
        } catch {
            throw IMAPClientError.connectFailed("proxy \(proxy.address): \(error)")
        }
        do {
            try await established.get()
        } catch {
            try? await channel.close()
            throw error
        }
        return (channel, session)
    }

    /// `socks5` resolves the server name here (off the event loop); `socks5h` sends the name.
    private static func proxyTarget(_ server: ServerAddress, remoteResolution: Bool) async throws -> SOCKS5Handshake.Target {
        if remoteResolution, !server.isIPLiteral { return .domain(server.host, port: server.port) }
        let address = try await NIOThreadPool.singleton.runIfActive {
            try SocketAddress.makeAddressResolvingHost(server.host, port: server.port)
        }
        switch address {
        case .v4(let a):
            return .ipv4(withUnsafeBytes(of: a.address.sin_addr) { Array($0) }, port: server.port)
        case .v6(let a):
            return .ipv6(withUnsafeBytes(of: a.address.sin6_addr) { Array($0) }, port: server.port)
        default:
            throw IMAPClientError.proxy("cannot resolve \(server.host) to an IP address")
        }
    }
}
