import Credentials

/// One server to connect to, parsed from `nats://[user[:pass]@]host[:port]`, `tls://…`, or `host:port`.
public struct ServerAddress: Sendable, Hashable, CustomStringConvertible {
    public static let defaultPort = 4222

    public var host: String
    public var port: Int
    /// `tls://` asks for TLS whatever the server announces.
    public var tlsRequired: Bool
    public var user: String?
    public var password: Secret?
    /// A URL with only a user part (`nats://token@host`) carries a token.
    public var token: Secret?

    public init(host: String, port: Int = defaultPort, tlsRequired: Bool = false) {
        self.host = host
        self.port = port
        self.tlsRequired = tlsRequired
    }

    public init(url: String) throws(NATSError) {
        var rest = Substring(url.trimmingBlanks())
        var tls = false
        if let schemeEnd = rest.range(of: "://") {
            switch rest[..<schemeEnd.lowerBound].lowercased() {
            case "nats": tls = false
            case "tls": tls = true
            default: throw NATSError.invalidOption("unsupported scheme in server URL")
            }
            rest = rest[schemeEnd.upperBound...]
        }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        var user: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                user = percentDecoded(userInfo[..<colon])
                password = percentDecoded(userInfo[userInfo.index(after: colon)...])
            } else {
                user = percentDecoded(userInfo)
            }
        }
        var host = String(rest)
        var port = Self.defaultPort
        if rest.hasPrefix("[") {  // [IPv6]:port
            guard let close = rest.firstIndex(of: "]") else { throw NATSError.invalidOption("malformed IPv6 host") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") {
                guard let parsed = Int(after.dropFirst()), (1...65535).contains(parsed) else {
                    throw NATSError.invalidOption("invalid port in server URL")
                }
                port = parsed
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            guard let parsed = Int(rest[rest.index(after: colon)...]), (1...65535).contains(parsed) else {
                throw NATSError.invalidOption("invalid port in server URL")
            }
            port = parsed
        }
        guard !host.isEmpty else { throw NATSError.invalidOption("server URL without a host") }
        self.init(host: host, port: port, tlsRequired: tls)
        if let password {
            self.user = user
            self.password = Secret(password)
        } else if let user {
            token = Secret(user)
        }
    }

    /// `host:port` is how servers are told apart (credentials and scheme aside).
    var endpoint: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Never shows the password or token.
    public var description: String {
        let scheme = tlsRequired ? "tls" : "nats"
        let userInfo = user.map { "\($0):<redacted>@" } ?? (token != nil ? "<redacted>@" : "")
        return "\(scheme)://\(userInfo)\(endpoint)"
    }
}
