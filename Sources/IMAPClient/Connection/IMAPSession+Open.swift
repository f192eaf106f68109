import DeflateCodec
import IMAPCore
import Logging
import NIOCore
import NIOPosix
import OpenSSLKit

extension IMAPSession {
    /// Connects, greets, secures, authenticates, and runs `body` with the ready session;
    /// logs out and closes the connection afterwards, whatever happened.
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
            do { tlsContext = try TLSContext(configuration: configuration.tls) } catch { throw IMAPClientError.tls(error) }
        case .plain, .tunnel:
            tlsContext = nil
        }
        let transport = try await ChannelFactory.open(configuration, tlsContext: tlsContext, group: group)
        defer { transport.tunnel?.terminate() }
        return try await transport.channel.executeThenClose { inbound, outbound in
            let session = IMAPSession(configuration: configuration, transport: transport, tlsContext: tlsContext,
                                      inbound: inbound, outbound: outbound, logger: logger)
            try await session.open()
            let result: Result
            do {
                result = try await body(session)
            } catch {
                // With commands still in flight (e.g. the store failed mid-FETCH), a LOGOUT would
                // first have to read the rest of their data: close instead.
                if session.hasNothingInFlight { await session.logoutQuietly() }
                throw error
            }
            await session.logoutQuietly()
            return result
        }
    }

    /// Greeting → STARTTLS → authentication → COMPRESS → ENABLE.
    func open() async throws {
        if let handshake = transport.handshake { try await awaitHandshake(handshake) }
        let preauthenticated = try await readGreeting()
        if case .starttls(let required) = configuration.kind {
            try await startTLS(required: required)
        }
        if !preauthenticated {
            try await authenticate()
        }
        // Empty when neither the greeting nor the login's OK carried them (authenticate clears
        // the pre-login list, which may differ from the post-login one).
        if capabilities.isEmpty {
            try await refreshCapabilities()
        }
        if configuration.compress, hasCapability("COMPRESS=DEFLATE") {
            try await startCompression()
        }
        if configuration.enableQResync {
            let wanted = ["CONDSTORE", "QRESYNC"].filter { hasCapability($0) }
            if !wanted.isEmpty { try await run(.enable(wanted.map { Capability($0) }), name: "ENABLE") }
        }
        // From now on silence is measured against the command timeout, not the connect timeout.
        transport.timeout.arm(timeout: configuration.commandTimeout.timeAmount)
        transport.timeout.disarm()
        logger.debug("IMAP session ready", metadata: [
            "server": "\(configuration.server)", "tls": "\(tlsDescription ?? "none")",
            "compress": "\(compressionActive)",
        ])
    }

    /// Reads the greeting; returns true for PREAUTH.
    private func readGreeting() async throws -> Bool {
        let event = try await nextEvent()
        guard case .untagged(.condition(let state, let code, let text)) = event else {
            throw IMAPClientError.protocolError("expected a greeting, got \(event)")
        }
        if case .capability(let caps)? = code { capabilities = Set(caps.map { $0.rawValue.uppercased() }) }
        switch state {
        case .ok: return false
        case .preauth: return true
        case .bye: throw IMAPClientError.bye(text)
        case .no, .bad: throw IMAPClientError.protocolError("unexpected greeting \(state.rawValue): \(text)")
        }
    }

    /// Waits for the TLS handshake so that a refused certificate is reported as such, not as a
    /// closed connection.
    private func awaitHandshake(_ handshake: EventLoopFuture<TLSHandshakeCompleted>) async throws {
        do {
            let done = try await handshake.get()
            tlsDescription = "\(done.protocolVersion) \(done.cipher)"
        } catch let error as TLSError {
            throw IMAPClientError.tls(error)
        } catch {
            throw IMAPClientError.connectionClosed("during the TLS handshake: \(error)")
        }
    }

    func refreshCapabilities() async throws {
        try await run(.capability, name: "CAPABILITY")
    }

    private func startTLS(required: Bool) async throws {
        if capabilities.isEmpty { try await refreshCapabilities() }
        guard hasCapability("STARTTLS") else {
            if required { throw IMAPClientError.startTLSUnavailable }
            logger.warning("server does not offer STARTTLS; continuing without TLS as configured",
                           metadata: ["server": "\(configuration.server)"])
            return
        }
        try await run(.startTLS, name: "STARTTLS", kind: .exclusive)
        // Bytes after the OK and before the handshake would be a plaintext injection (CVE-2011-0411 class).
        guard unparsedByteCount == 0 else {
            throw IMAPClientError.protocolError("the server sent data after STARTTLS's OK, before the TLS handshake")
        }
        guard let tlsContext else { throw IMAPClientError.configuration("no TLS context") }
        try await awaitHandshake(
            ChannelFactory.addTLS(to: transport.channel.channel, context: tlsContext, configuration: configuration))
        // Capabilities before TLS cannot be trusted (RFC 3501 §6.2.1).
        capabilities = []
        try await refreshCapabilities()
    }

    private func startCompression() async throws {
        try await run(.compressDeflate, name: "COMPRESS", kind: .exclusive)
        guard unparsedByteCount == 0 else {
            throw IMAPClientError.protocolError("the server sent uncompressed data after COMPRESS's OK")
        }
        let channel = transport.channel.channel
        try await channel.eventLoop.submit {
            // Right after TLS when there is TLS (compress the plaintext), else at the front.
            let ops = channel.pipeline.syncOperations
            let handlers: [any ChannelHandler] = [DeflateInflateHandler(), DeflateCompressHandler()]
            if let tls = try? ops.handler(type: TLSClientHandler.self) {
                try ops.addHandlers(handlers, position: .after(tls))
            } else {
                try ops.addHandlers(handlers, position: .first)
            }
        }.get()
        compressionActive = true
    }

    /// LOGOUT, ignoring errors: used on the way out.
    func logoutQuietly() async {
        do {
            let tag = try await send(.logout, kind: .exclusive)
            _ = try await wait(tag)
        } catch {
            logger.debug("LOGOUT did not complete cleanly", metadata: ["error": "\(error)"])
        }
    }
}
