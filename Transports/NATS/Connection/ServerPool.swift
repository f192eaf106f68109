/// The servers a client may connect to: those configured, then those announced by INFO
/// `connect_urls`. Tried round-robin; a server whose auth error repeats is marked hopeless.
struct ServerPool: Sendable {
    struct Entry: Sendable {
        var address: ServerAddress
        /// Learned from a server's INFO rather than configured.
        var isImplicit: Bool
        var lastAuthError: String?
    }

    private(set) var entries: [Entry]
    private var cursor = 0

    init(_ addresses: [ServerAddress]) {
        entries = addresses.map { Entry(address: $0, isImplicit: false, lastAuthError: nil) }
    }

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }

    /// The next server to try, rotating through the pool.
    mutating func next() -> ServerAddress? {
        guard !entries.isEmpty else { return nil }
        let address = entries[cursor % entries.count].address
        cursor = cursor == Int.max ? 0 : cursor + 1
        return address
    }

    /// Adds the servers of INFO `connect_urls` not already known. They use the scheme and
    /// credentials of the server that announced them.
    mutating func add(connectURLs: [String], announcedBy server: ServerAddress) {
        for url in connectURLs {
            guard var address = try? ServerAddress(url: url) else { continue }
            address.tlsRequired = server.tlsRequired
            address.user = server.user
            address.password = server.password
            address.token = server.token
            if !entries.contains(where: { $0.address.endpoint == address.endpoint }) {
                entries.append(Entry(address: address, isImplicit: true, lastAuthError: nil))
            }
        }
    }

    /// Records an authorization error; returns true when the server gave the same error last time.
    mutating func recordAuthError(_ text: String, from server: ServerAddress) -> Bool {
        guard let index = entries.firstIndex(where: { $0.address.endpoint == server.endpoint }) else { return false }
        defer { entries[index].lastAuthError = text }
        return entries[index].lastAuthError == text
    }

    /// A successful connection forgets the server's auth history.
    mutating func recordConnected(_ server: ServerAddress) {
        if let index = entries.firstIndex(where: { $0.address.endpoint == server.endpoint }) {
            entries[index].lastAuthError = nil
        }
    }
}
