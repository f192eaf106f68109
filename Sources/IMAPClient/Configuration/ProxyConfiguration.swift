import Credentials

/// A SOCKS5 proxy: `socks5://[user:password@]host:port` resolves the target locally,
/// `socks5h://…` lets the proxy resolve it (RFC 1928, username/password per RFC 1929).
public struct ProxyConfiguration: Sendable, Hashable, CustomStringConvertible {
    public var address: ServerAddress
    public var remoteResolution: Bool
    public var username: String?
    public var password: Secret?

    public init(address: ServerAddress, remoteResolution: Bool, username: String? = nil, password: Secret? = nil) {
        self.address = address
        self.remoteResolution = remoteResolution
        self.username = username
        self.password = password
    }

    public init(url: String) throws(IMAPClientError) {
        let remote: Bool
        var rest: Substring
        if url.lowercased().hasPrefix("socks5h://") {
            remote = true
            rest = url.dropFirst("socks5h://".count)
        } else if url.lowercased().hasPrefix("socks5://") {
            remote = false
            rest = url.dropFirst("socks5://".count)
        } else {
            throw .configuration("proxy must be a socks5:// or socks5h:// URL")
        }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        var user: String?
        var pass: Secret?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                user = percentDecoded(credentials[..<colon])
                pass = Secret(percentDecoded(credentials[credentials.index(after: colon)...]))
            } else {
                user = percentDecoded(credentials)
            }
        }
        self.init(address: try ServerAddress(parsing: String(rest), defaultPort: 1080), remoteResolution: remote,
                  username: user, password: pass)
    }

    public var description: String {
        "\(remoteResolution ? "socks5h" : "socks5")://\(username.map { "\($0):<redacted>@" } ?? "")\(address)"
    }
}
