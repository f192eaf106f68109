import NIOConcurrencyHelpers
import NIOCore
import OpenSSLKit

/// TLS for NATS connections, through the project's OpenSSL layer. NATS upgrades in place: the
/// server sends INFO in clear, the client then starts the TLS handshake on the same socket
/// (`TLSClientHandler` added in front of the pipeline), and sends CONNECT once it completed.
final class TLSSupport: Sendable {
    let configuration: TLSConfiguration
    /// Built once (loading CA and client certificate), shared by every connection of the client.
    private let context = NIOLockedValueBox<TLSContext?>(nil)

    init(options: NATSOptions) {
        configuration = TLSConfiguration(verifyPeer: options.tlsVerifyPeer, caFile: options.tlsCAFile,
                                         certificateFile: options.tlsCertificateFile,
                                         privateKeyFile: options.tlsKeyFile)
    }

    /// Loads the certificates now, so that a bad file fails `connect` at once.
    @discardableResult
    func prepare() throws(NATSError) -> TLSContext {
        let result: Result<TLSContext, NATSError> = context.withLockedValue { cached in
            if let cached { return .success(cached) }
            do throws(TLSError) {
                let made = try TLSContext(configuration: configuration)
                cached = made
                return .success(made)
            } catch {
                return .failure(.tls(error.description))
            }
        }
        return try result.get()
    }

    /// Puts the TLS handler in front of the pipeline of an active channel: the handshake starts.
    func addHandler(to channel: any Channel, serverName: String) throws(NATSError) {
        let context = try prepare()
        do {
            try channel.pipeline.syncOperations.addHandler(TLSClientHandler(context: context, serverName: serverName),
                                                           position: .first)
        } catch {
            throw .tls("cannot start TLS: \(error)")
        }
    }

    static func isHandshakeCompleted(_ event: Any) -> Bool { event is TLSHandshakeCompleted }

    static func natsError(for event: Any) -> NATSError? {
        (event as? TLSError).map { .tls($0.description) }
    }
}
