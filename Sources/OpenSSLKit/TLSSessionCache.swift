import COpenSSL
import Synchronization

/// The last resumable session of each server a context talked to, so that the next connection to
/// it resumes (TLS 1.3 ticket or TLS 1.2 session) instead of a full handshake: no certificate
/// chain to verify here and no signature to make on the server. A scheduler round logs in to one
/// server a thousand times; each resumption saves CPU on both sides. Bounded: when full, one
/// entry is dropped (the cost of a miss is one full handshake).
final class TLSSessionCache: Sendable {
    static let capacity = 4096

    /// One reference of ours to an `SSL_SESSION`: OpenSSL counts references to sessions with
    /// atomics, and a session is only read once established, so it may travel between threads.
    private struct SessionReference: @unchecked Sendable {
        let session: OpaquePointer
    }

    private struct Entries: ~Copyable {
        var sessions: [String: SessionReference] = [:]

        deinit { for reference in sessions.values { SSL_SESSION_free(reference.session) } }
    }

    private let entries = Mutex(Entries())

    /// Offers the cached session for `key` to `ssl` (OpenSSL takes its own reference).
    func apply(_ key: String, to ssl: OpaquePointer) {
        let found: SessionReference? = entries.withLock { entries in
            guard let reference = entries.sessions[key] else { return nil }
            SSL_SESSION_up_ref(reference.session)  // ours while we use it outside the lock
            return reference
        }
        guard let found else { return }
        _ = SSL_set_session(ssl, found.session)
        SSL_SESSION_free(found.session)
    }

    /// Keeps `ssl`'s session for `key` if the server allows resuming it; replaces the older one.
    func save(_ key: String, from ssl: OpaquePointer) {
        guard let session = SSL_get1_session(ssl) else { return }
        guard SSL_SESSION_is_resumable(session) == 1 else {
            SSL_SESSION_free(session)
            return
        }
        let reference = SessionReference(session: session)
        let dropped: [SessionReference] = entries.withLock { entries in
            var dropped: [SessionReference] = []
            if entries.sessions[key] == nil, entries.sessions.count >= Self.capacity,
               let victim = entries.sessions.keys.first, let old = entries.sessions.removeValue(forKey: victim) {
                dropped.append(old)
            }
            if let old = entries.sessions.updateValue(reference, forKey: key) { dropped.append(old) }
            return dropped
        }
        for old in dropped { SSL_SESSION_free(old.session) }
    }

    /// Forgets `key`'s session (a connection that failed).
    func remove(_ key: String) {
        if let old = entries.withLock({ $0.sessions.removeValue(forKey: key) }) { SSL_SESSION_free(old.session) }
    }
}
