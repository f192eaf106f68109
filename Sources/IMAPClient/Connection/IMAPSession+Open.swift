import DeflateCodec
import IMAPCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import OpenSSLKit

extension IMAPSession {
    /// Connects, greets, secures, authenticates, and runs `body` with the ready session;
    /// logs out and closes the connection afterwards, whatever happened. `body` may share the
    /// session with child tasks; they must be done when it returns.
    @discardableResult
    public static func withSession<Result>(
        _ configuration: IMAPClientConfiguration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "imapworker.imap"),
        _ body: (IMAPSession) async throws -> Result
    ) async throws -> Result {
        let tlsContext: TLSContext?
        switch configuration.kind {
        case .imaps, .starttls:
            // Shared by the process's connections: built once, and it keeps each server's session.
            do { tlsContext = try TLSContext.shared(for: configuration.tls) } catch { throw IMAPClientError.tls(error) }
        case .plain, .tunnel:
            tlsContext = nil
        }
        let snapshot = NIOLockedValueBox(SessionSnapshot())
        let transport = try await ChannelFactory.open(configuration, tlsContext: tlsContext, group: group) { channel, tunnel in
            try installHandler(on: channel, configuration: configuration, tlsContext: tlsContext, tunnel: tunnel,
                               snapshot: snapshot)
        }
        defer { transport.tunnel?.terminate() }
        let session = IMAPSession(configuration: configuration, channel: transport.channel, handler: transport.session.handler,
                                  snapshot: snapshot, logger: logger)
        do {
            try await session.open(transport.handshake, greeting: transport.session.greeting, timeout: transport.timeout)
        } catch {
            try? await transport.channel.close()
            throw error
        }
        let result: Result
        do {
            result = try await body(session)
        } catch {
            // With commands still in flight (e.g. the store failed mid-FETCH), a LOGOUT would
            // first wait for the rest of their data: close instead.
            if await session.hasNothingInFlight { await session.logoutQuietly() }
            try? await transport.channel.close()
            throw error
        }
        if configuration.pipelinesSetUp {
            // Its answer tells nothing we need: every command before it has been answered.
            _ = session.submit(.logout, role: .logout, name: "LOGOUT")
        } else {
            await session.logoutQuietly()
        }
        try? await transport.channel.close()
        return result
    }

    struct Installed: Sendable {
        let handler: NIOLoopBound<IMAPChannelHandler>
        let greeting: EventLoopFuture<Bool>
    }

    /// Adds the session's handler at the end of a new channel's pipeline (on its event loop).
    private static func installHandler(on channel: any Channel, configuration: IMAPClientConfiguration,
                                       tlsContext: TLSContext?, tunnel: TunnelProcess?,
                                       snapshot: NIOLockedValueBox<SessionSnapshot>) throws -> Installed {
        let greeting = channel.eventLoop.makePromise(of: Bool.self)
        let serverName = configuration.tlsServerName ?? configuration.server.host
        let handler = IMAPChannelHandler(
            timeouts: .init(greeting: configuration.connectTimeout.timeAmount, command: configuration.commandTimeout.timeAmount),
            parserLimits: .init(), wireTrace: configuration.wireTrace, greeting: greeting, snapshot: snapshot,
            closeReason: { tunnel?.exitDescription.map { IMAPClientError.connectionClosed($0) } },
            upgrade: { change, pipeline in
                switch change {
                case .tls:
                    guard let tlsContext else { throw IMAPClientError.configuration("no TLS context") }
                    return try ChannelFactory.addTLS(to: pipeline, context: tlsContext, serverName: serverName,
                                                     sessionKey: ChannelFactory.sessionKey(configuration))
                case .compression:
                    // Right after TLS when there is TLS (compress the plaintext), else at the front.
                    let handlers: [any ChannelHandler] = [DeflateInflateHandler(), DeflateCompressHandler()]
                    if let tls = try? pipeline.handler(type: TLSClientHandler.self) {
                        try pipeline.addHandlers(handlers, position: .after(tls))
                    } else {
                        try pipeline.addHandlers(handlers, position: .first)
                    }
                    return nil
                }
            })
        try channel.pipeline.syncOperations.addHandler(handler)
        return Installed(handler: NIOLoopBound(handler, eventLoop: channel.eventLoop), greeting: greeting.futureResult)
    }

    /// Greeting → STARTTLS → authentication → COMPRESS → ENABLE.
    func open(_ handshake: EventLoopFuture<TLSHandshakeCompleted>?, greeting: EventLoopFuture<Bool>,
              timeout: InactivityTimeoutHandler) async throws {
        if let handshake { try await awaitHandshake(handshake) }
        let preauthenticated = try await greeting.get()
        if case .starttls(let required) = configuration.kind {
            try await startTLS(required: required)
        }
        if !preauthenticated {
            try await authenticate()
        }
        // Empty when neither the greeting nor the login's OK carried them (login clears the
        // pre-login list, which may differ from the post-login one).
        if capabilities.isEmpty { _ = try await capability().value }
        if configuration.compress, hasCapability(.compressDeflate) {
            try await startCompression()
        }
        if configuration.enableQResync, let enabling = submitEnableAdvertised([.condstore, .qresync]) {
            if configuration.pipelinesSetUp { setEnabling(enabling) } else { try await enabling.value }
        }
        // From now on the session's own deadlines (commandTimeout) apply.
        timeout.disarm()
        logger.debug("IMAP session ready", metadata: [
            "server": "\(configuration.server)", "tls": "\(tlsDescription ?? "none")",
            "compress": "\(compressionActive)",
        ])
    }

    /// Waits for the TLS handshake so that a refused certificate is reported as such, not as a
    /// closed connection.
    private func awaitHandshake(_ handshake: EventLoopFuture<TLSHandshakeCompleted>) async throws {
        do {
            let done = try await handshake.get()
            setTLSDescription("\(done.protocolVersion) \(done.cipher)\(done.resumed ? " resumed" : "")")
        } catch let error as TLSError {
            throw IMAPClientError.tls(error)
        } catch let error as IMAPClientError {
            throw error
        } catch {
            throw IMAPClientError.connectionClosed("during the TLS handshake: \(error)")
        }
    }

    private func startTLS(required: Bool) async throws {
        if capabilities.isEmpty { _ = try await capability().value }
        guard hasCapability(.startTLS) else {
            if required { throw IMAPClientError.startTLSUnavailable }
            logger.warning("server does not offer STARTTLS; continuing without TLS as configured",
                           metadata: ["server": "\(configuration.server)"])
            return
        }
        let outcome = try await submit(.startTLS, role: .startTLS) { try $0.checked("STARTTLS") }.value
        guard let handshake = outcome.handshake else {
            throw IMAPClientError.protocolError("STARTTLS completed without a TLS handshake")
        }
        try await awaitHandshake(handshake)
        // Capabilities before TLS cannot be trusted (RFC 3501 §6.2.1): the machine dropped them.
        _ = try await capability().value
    }

    private func startCompression() async throws {
        try await submit(.compressDeflate, role: .compress, name: "COMPRESS").value
        setCompressionActive()
    }

    /// LOGOUT, ignoring errors: used on the way out.
    func logoutQuietly() async {
        do {
            try await submit(.logout, role: .logout, name: "LOGOUT").value
        } catch {
            logger.debug("LOGOUT did not complete cleanly", metadata: ["error": "\(error)"])
        }
    }
}
