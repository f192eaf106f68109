import COpenSSL
import CShims
import NIOCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One client `SSL` object over a pair of memory BIOs: ciphertext from the network is appended to
/// `networkInput`, ciphertext OpenSSL produces is taken from `networkOutput`. It does no I/O of
/// its own; `TLSClientHandler` moves the bytes. Every call clears the thread's error queue before
/// and drains it after.
final class TLSConnection {
    enum HandshakeOutcome {
        case complete(TLSHandshakeCompleted)
        case needsMoreData
        case failed(TLSError)
    }

    enum ReadOutcome {
        /// The buffer is full: call again with a fresh one.
        case bufferFull
        /// All buffered ciphertext was consumed.
        case needsMoreData
        /// The peer sent close_notify.
        case closeNotify
        case failed(TLSError)
    }

    enum WriteOutcome {
        case written
        /// OpenSSL must read before it can write; retry with the same bytes after the next read.
        case needsRead
        case failed(TLSError)
    }

    private let ssl: OpaquePointer
    private let networkInput: OpaquePointer
    private let networkOutput: OpaquePointer
    private let context: TLSContext
    private let serverName: String?
    /// Where this connection's session is kept in the context for the next connection (nil: never).
    private let sessionKey: String?

    init(context: TLSContext, serverName: String?, sessionKey: String? = nil) throws(TLSError) {
        OpenSSLErrorQueue.clear()
        defer { OpenSSLErrorQueue.clear() }
        guard let ssl = SSL_new(context.sslContext) else {
            throw .configuration("SSL_new: " + OpenSSLErrorQueue.drainText(or: "out of memory"))
        }
        guard let input = BIO_new(BIO_s_mem()), let output = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw .configuration("BIO_new: out of memory")
        }
        // The SSL object owns both BIOs from here on: SSL_free releases them.
        SSL_set_bio(ssl, input, output)
        SSL_set_connect_state(ssl)
        self.ssl = ssl
        self.networkInput = input
        self.networkOutput = output
        self.context = context
        self.serverName = serverName
        self.sessionKey = sessionKey
        if let name = serverName, !name.isEmpty {
            try configurePeerName(name)
        }
        if let sessionKey { context.sessions.apply(sessionKey, to: ssl) }
    }

    /// Keeps the session (with the tickets the server sent after the handshake) for the next
    /// connection with the same key. Only after a handshake that passed every check.
    func saveSession() {
        guard let sessionKey else { return }
        context.sessions.save(sessionKey, from: ssl)
    }

    /// A connection that failed must not be resumed.
    func forgetSession() {
        guard let sessionKey else { return }
        context.sessions.remove(sessionKey)
    }

    deinit { SSL_free(ssl) }

    private func configurePeerName(_ name: String) throws(TLSError) {
        if let ip = Self.ipLiteral(name) {
            // No SNI for addresses (RFC 6066 §3); the certificate must carry the IP in a SAN.
            guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), ip) == 1 else {
                throw .configuration("cannot check the certificate against address \(name)")
            }
        } else {
            guard cshim_SSL_set_tlsext_host_name(ssl, name) == 1 else {
                throw .configuration("invalid server name \"\(name)\": " + OpenSSLErrorQueue.drainText(or: "rejected"))
            }
            SSL_set_hostflags(ssl, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
            guard SSL_set1_host(ssl, name) == 1 else {
                throw .configuration("invalid server name \"\(name)\": " + OpenSSLErrorQueue.drainText(or: "rejected"))
            }
        }
    }

    /// The address in `name` if it is an IPv4 or IPv6 literal ("[::1]" is accepted too).
    static func ipLiteral(_ name: String) -> String? {
        var candidate = Substring(name)
        if candidate.hasPrefix("["), candidate.hasSuffix("]") { candidate = candidate.dropFirst().dropLast() }
        let text = String(candidate)
        var storage = in6_addr()
        if inet_pton(AF_INET, text, &storage) == 1 || inet_pton(AF_INET6, text, &storage) == 1 { return text }
        return nil
    }

    // MARK: - Bytes in and out

    /// Appends ciphertext received from the network.
    func receive(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
            // A memory BIO grows as needed; it only fails when allocation fails.
            _ = BIO_write(networkInput, base, Int32(bytes.count))
        }
    }

    /// Ciphertext waiting to be sent.
    var pendingOutput: Int { Int(BIO_ctrl_pending(networkOutput)) }

    /// An upper bound of the plaintext that buffered ciphertext can yield (used to size reads).
    var bufferedInput: Int { Int(BIO_ctrl_pending(networkInput)) + Int(SSL_pending(ssl)) }

    /// Takes all ciphertext waiting to be sent, or nil when there is none.
    func takeOutput(allocator: ByteBufferAllocator) -> ByteBuffer? {
        let count = pendingOutput
        guard count > 0 else { return nil }
        var buffer = allocator.buffer(capacity: count)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { space in
            guard let base = space.baseAddress else { return 0 }
            return max(0, Int(BIO_read(networkOutput, base, Int32(count))))
        }
        return buffer
    }

    // MARK: - TLS operations

    func handshake() -> HandshakeOutcome {
        OpenSSLErrorQueue.clear()
        let rc = SSL_do_handshake(ssl)
        if rc == 1 {
            OpenSSLErrorQueue.clear()
            if let error = checkPins() { return .failed(error) }
            let version = String(cString: SSL_get_version(ssl))
            let cipher = SSL_get_current_cipher(ssl).map { String(cString: SSL_CIPHER_get_name($0)) } ?? "unknown"
            return .complete(TLSHandshakeCompleted(protocolVersion: version, cipher: cipher,
                                                   resumed: SSL_session_reused(ssl) == 1))
        }
        let code = SSL_get_error(ssl, rc)
        if code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE {
            OpenSSLErrorQueue.clear()
            return .needsMoreData
        }
        return .failed(classifyHandshakeFailure(code))
    }

    /// Decrypts into the writable space of `buffer` until it is full or the ciphertext runs out.
    func read(into buffer: inout ByteBuffer) -> ReadOutcome {
        OpenSSLErrorQueue.clear()
        while buffer.writableBytes > 0 {
            var rc: Int32 = 0
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 0) { space in
                guard let base = space.baseAddress else { return 0 }
                var count = 0
                rc = SSL_read_ex(ssl, base, space.count, &count)
                return rc == 1 ? count : 0
            }
            if rc == 1 { continue }
            switch SSL_get_error(ssl, rc) {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                // Post-handshake messages (TLS 1.3 tickets, key updates) end here with no data.
                OpenSSLErrorQueue.clear()
                return .needsMoreData
            case SSL_ERROR_ZERO_RETURN:
                OpenSSLErrorQueue.clear()
                return .closeNotify
            case let code:
                return .failed(.connection(OpenSSLErrorQueue.drainText(or: "SSL_read failed (SSL_get_error \(code))")))
            }
        }
        return .bufferFull
    }

    /// Encrypts all of `bytes` into the output BIO (a memory BIO never refuses a write).
    func write(_ bytes: UnsafeRawBufferPointer) -> WriteOutcome {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return .written }
        OpenSSLErrorQueue.clear()
        var written = 0
        let rc = SSL_write_ex(ssl, base, bytes.count, &written)
        if rc == 1 { return .written }
        switch SSL_get_error(ssl, rc) {
        case SSL_ERROR_WANT_READ:
            OpenSSLErrorQueue.clear()
            return .needsRead
        case SSL_ERROR_WANT_WRITE:
            OpenSSLErrorQueue.clear()
            return .needsRead
        case let code:
            return .failed(.connection(OpenSSLErrorQueue.drainText(or: "SSL_write failed (SSL_get_error \(code))")))
        }
    }

    /// Queues our close_notify (sent by the caller with the rest of the output).
    func shutdown() {
        OpenSSLErrorQueue.clear()
        _ = SSL_shutdown(ssl)
        OpenSSLErrorQueue.clear()
    }

    // MARK: - Checks and errors

    /// After a successful handshake: when pins are configured, the leaf must match one of them.
    private func checkPins() -> TLSError? {
        let pins = context.pins
        guard !pins.isEmpty else { return nil }
        guard let leaf = SSL_get0_peer_certificate(ssl),
              let presented = CertificateFingerprint.fingerprints(of: leaf)
        else { return .pinMismatch(presented: []) }
        if pins.contains(presented.certificate) || pins.contains(presented.publicKey) { return nil }
        return .pinMismatch(presented: [presented.certificate.description, presented.publicKey.description])
    }

    private static let versionReasons: Set<Int32> = [
        SSL_R_UNSUPPORTED_PROTOCOL, SSL_R_NO_PROTOCOLS_AVAILABLE, SSL_R_TLSV1_ALERT_PROTOCOL_VERSION,
        SSL_R_WRONG_VERSION_NUMBER, SSL_R_UNSUPPORTED_SSL_VERSION, SSL_R_VERSION_TOO_LOW, SSL_R_VERSION_TOO_HIGH,
    ]

    private func classifyHandshakeFailure(_ sslError: Int32) -> TLSError {
        let entries = OpenSSLErrorQueue.drain()
        let verify = SSL_get_verify_result(ssl)
        if context.configuration.verifyPeer, verify != Int(X509_V_OK) {
            let why = String(cString: X509_verify_cert_error_string(verify))
            if verify == Int(X509_V_ERR_HOSTNAME_MISMATCH) || verify == Int(X509_V_ERR_IP_ADDRESS_MISMATCH) {
                return .hostnameMismatch("\(why): the certificate is not valid for \(serverName ?? "?")")
            }
            return .certificateUntrusted(why)
        }
        let text = entries.map(\.text).joined(separator: "; ")
        if entries.contains(where: { $0.library == ERR_LIB_SSL && Self.versionReasons.contains($0.reason) }) {
            return .protocolVersion(text)
        }
        if entries.isEmpty || entries.contains(where: { $0.reason == SSL_R_UNEXPECTED_EOF_WHILE_READING }) {
            if sslError == SSL_ERROR_SYSCALL || sslError == SSL_ERROR_ZERO_RETURN { return .unexpectedEOF }
        }
        return .handshake(text.isEmpty ? "SSL_do_handshake failed (SSL_get_error \(sslError))" : text)
    }
}
