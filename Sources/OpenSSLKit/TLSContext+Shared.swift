import Synchronization

extension TLSContext {
    /// How long a shared context is used before it is built again, so that a replaced CA file or
    /// client certificate is read within this time.
    public static let sharedLifetime: Duration = .seconds(300)
    static let sharedCapacity = 64

    private struct Shared: ~Copyable {
        var contexts: [TLSConfiguration: (context: TLSContext, builtAt: ContinuousClock.Instant)] = [:]
    }

    private static let sharedContexts = Mutex(Shared())

    /// One context per configuration for the whole process, built again after `sharedLifetime`:
    /// building one (`SSL_CTX_new`, loading the CA file) costs more than the handshake with
    /// OpenSSL 3, and the context holds the servers' sessions that later connections resume.
    public static func shared(for configuration: TLSConfiguration) throws(TLSError) -> TLSContext {
        let now = ContinuousClock.now
        if let context = sharedContexts.withLock({ shared -> TLSContext? in
            guard let entry = shared.contexts[configuration], now - entry.builtAt < sharedLifetime else { return nil }
            return entry.context
        }) {
            return context
        }
        let context = try TLSContext(configuration: configuration)
        sharedContexts.withLock { shared in
            if shared.contexts.count >= sharedCapacity {
                shared.contexts = shared.contexts.filter { now - $0.value.builtAt < sharedLifetime }
                if shared.contexts.count >= sharedCapacity { shared.contexts.removeAll() }
            }
            shared.contexts[configuration] = (context, now)
        }
        return context
    }
}
