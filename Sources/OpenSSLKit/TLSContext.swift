import COpenSSL
import CShims
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A client `SSL_CTX` built once from a `TLSConfiguration` and shared by every connection that
/// uses it (it is read-only after `init`).
public final class TLSContext: Sendable {
    // SSL_CTX is only configured inside init; afterwards it is only passed to SSL_new, which
    // OpenSSL documents as thread-safe on a shared context.
    nonisolated(unsafe) let sslContext: OpaquePointer
    public let configuration: TLSConfiguration
    /// The parsed `configuration.pinnedFingerprints`.
    public let pins: [CertificateFingerprint]
    /// Sessions of the servers this context talked to (`TLSClientHandler`'s `sessionKey`).
    let sessions = TLSSessionCache()

    public init(configuration: TLSConfiguration) throws(TLSError) {
        OpenSSLErrorQueue.clear()
        defer { OpenSSLErrorQueue.clear() }
        var pins: [CertificateFingerprint] = []
        for text in configuration.pinnedFingerprints { pins.append(try CertificateFingerprint(parsing: text)) }
        guard let ctx = SSL_CTX_new(TLS_client_method()) else {
            throw .configuration("SSL_CTX_new: " + OpenSSLErrorQueue.drainText(or: "out of memory"))
        }
        do {
            try Self.configure(ctx, configuration)
        } catch {
            SSL_CTX_free(ctx)
            throw error
        }
        self.sslContext = ctx
        self.configuration = configuration
        self.pins = pins
    }

    deinit { SSL_CTX_free(sslContext) }

    private static func configure(_ ctx: OpaquePointer, _ c: TLSConfiguration) throws(TLSError) {
        // Renegotiation is refused (the peer gets a no_renegotiation alert): it is not needed by
        // IMAP or NATS and would let a write stall on a read.
        _ = cshim_SSL_CTX_set_options(ctx, cshim_SSL_OP_NO_RENEGOTIATION())
        // A retried SSL_write may come with another pointer (the buffer is the same bytes).
        _ = cshim_SSL_CTX_set_mode(ctx, Int(SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))

        SSL_CTX_set_verify(ctx, c.verifyPeer ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nil)
        if c.caFile == nil && c.caDirectory == nil {
            guard SSL_CTX_set_default_verify_paths(ctx) == 1 else {
                throw .configuration("cannot load the system CA store: " + OpenSSLErrorQueue.drainText(or: "unknown error"))
            }
        }
        if let file = c.caFile {
            try requireReadable(file, what: "CA file", directory: false)
            guard SSL_CTX_load_verify_file(ctx, file) == 1 else {
                throw .configuration("cannot load CA file \(file): " + OpenSSLErrorQueue.drainText(or: "no certificate found"))
            }
        }
        if let directory = c.caDirectory {
            try requireReadable(directory, what: "CA directory", directory: true)
            guard SSL_CTX_load_verify_dir(ctx, directory) == 1 else {
                throw .configuration("cannot use CA directory \(directory): " + OpenSSLErrorQueue.drainText(or: "unknown error"))
            }
        }
        if let v = c.minimumVersion, cshim_SSL_CTX_set_min_proto_version(ctx, v.openSSLValue) != 1 {
            throw .configuration("minimum version \(v) not supported: " + OpenSSLErrorQueue.drainText(or: "unknown error"))
        }
        if let v = c.maximumVersion, cshim_SSL_CTX_set_max_proto_version(ctx, v.openSSLValue) != 1 {
            throw .configuration("maximum version \(v) not supported: " + OpenSSLErrorQueue.drainText(or: "unknown error"))
        }
        if let lo = c.minimumVersion, let hi = c.maximumVersion, lo.openSSLValue > hi.openSSLValue {
            throw .configuration("minimum version \(lo) is above maximum version \(hi)")
        }
        if let list = c.cipherList, SSL_CTX_set_cipher_list(ctx, list) != 1 {
            throw .configuration("cipher list \"\(list)\" selects no cipher: " + OpenSSLErrorQueue.drainText(or: "unknown error"))
        }
        if let suites = c.cipherSuites, SSL_CTX_set_ciphersuites(ctx, suites) != 1 {
            throw .configuration("TLS 1.3 cipher suites \"\(suites)\" are invalid: " + OpenSSLErrorQueue.drainText(or: "unknown error"))
        }
        switch (c.certificateFile, c.privateKeyFile) {
        case (nil, nil):
            break
        case (let cert?, let key?):
            try requireReadable(cert, what: "client certificate file", directory: false)
            try requireReadable(key, what: "client private key file", directory: false)
            guard SSL_CTX_use_certificate_chain_file(ctx, cert) == 1 else {
                throw .configuration("cannot load client certificate \(cert): " + OpenSSLErrorQueue.drainText(or: "unknown error"))
            }
            guard SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1 else {
                // The error text is OpenSSL's (e.g. "bad decrypt"): it never contains key material.
                throw .configuration("cannot load client private key \(key): " + OpenSSLErrorQueue.drainText(or: "unknown error"))
            }
            guard SSL_CTX_check_private_key(ctx) == 1 else {
                throw .configuration("client private key \(key) does not match certificate \(cert)")
            }
        default:
            throw .configuration("a client certificate needs both certificateFile and privateKeyFile")
        }
    }

    /// OpenSSL's "system lib" errors for a missing file are obscure: say it plainly first.
    private static func requireReadable(_ path: String, what: String, directory: Bool) throws(TLSError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw .configuration("\(what) \(path): \(String(cString: strerror(errno)))")
        }
        let isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
        if isDirectory != directory {
            throw .configuration("\(what) \(path) is \(isDirectory ? "a directory" : "not a directory")")
        }
        guard access(path, R_OK) == 0 else {
            throw .configuration("\(what) \(path): \(String(cString: strerror(errno)))")
        }
    }
}
