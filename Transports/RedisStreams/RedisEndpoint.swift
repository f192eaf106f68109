import Credentials

/// Where and how to reach a Redis server, parsed from a URL:
///
/// - `redis://[[user]:password@]host[:port][/db]` (port 6379, db 0 by default; IPv6 as `[::1]`)
/// - `unix:///path/to/redis.sock` or `redis+unix:///path/to/redis.sock`, optionally with
///   credentials (`unix://:password@/path`, `unix://user:password@/path`)
/// - `?db=N` selects a database on either form.
///
/// `rediss://` is refused with `RedisError.tlsUnsupported`. User and password may be
/// percent-encoded; the password is held as a `Secret`.
public struct RedisEndpoint: Sendable, Hashable, CustomStringConvertible {
    public enum Address: Sendable, Hashable {
        case tcp(host: String, port: Int)
        case unix(path: String)
    }

    public var address: Address
    /// ACL user name (`AUTH user password`); `nil` means the `default` user (`AUTH password`).
    public var username: String?
    public var password: Secret?
    /// Selected with `SELECT` after connecting when not 0.
    public var database: Int

    public init(address: Address, username: String? = nil, password: Secret? = nil, database: Int = 0) {
        self.address = address
        self.username = username
        self.password = password
        self.database = database
    }

    public init(url: String) throws(RedisError) {
        guard let schemeEnd = url.range(of: "://") else { throw .invalidURL("missing scheme (redis://, unix://)") }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        var rest = Substring(url[schemeEnd.upperBound...])
        var query: Substring = ""
        if let q = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: q)...]
            rest = rest[..<q]
        }
        var username: String?
        var password: Secret?
        // Credentials end at the last "@" before the path ("@" inside a password must be %40).
        let authorityEnd = scheme == "redis" ? (rest.firstIndex(of: "/") ?? rest.endIndex) : rest.endIndex
        if let at = rest[..<authorityEnd].lastIndex(of: "@") {
            let userinfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = userinfo.firstIndex(of: ":") {
                let user = try Self.percentDecoded(userinfo[..<colon], what: "user name")
                username = user.isEmpty ? nil : user
                password = Secret(try Self.percentDecoded(userinfo[userinfo.index(after: colon)...], what: "password"))
            } else if !userinfo.isEmpty {
                // A lone userinfo is a password, as redis-cli and redis-py read it.
                password = Secret(try Self.percentDecoded(userinfo, what: "password"))
            }
        }
        var database = 0
        let address: Address
        switch scheme {
        case "rediss":
            throw .tlsUnsupported
        case "redis":
            let authority = rest[..<(rest.firstIndex(of: "/") ?? rest.endIndex)]
            let path = rest[authority.endIndex...].drop { $0 == "/" }
            if !path.isEmpty {
                guard let db = Int(path), db >= 0 else { throw .invalidURL("database must be a number") }
                database = db
            }
            var host: Substring
            var portText: Substring?
            if authority.hasPrefix("[") {
                guard let close = authority.firstIndex(of: "]") else { throw .invalidURL("unclosed IPv6 bracket") }
                host = authority[authority.index(after: authority.startIndex)..<close]
                let after = authority[authority.index(after: close)...]
                if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty {
                    throw .invalidURL("unexpected text after IPv6 address")
                }
            } else if let colon = authority.lastIndex(of: ":") {
                host = authority[..<colon]
                portText = authority[authority.index(after: colon)...]
            } else {
                host = authority
            }
            if host.isEmpty { host = "127.0.0.1" }
            var port = 6379
            if let portText {
                guard let p = Int(portText), (1...65535).contains(p) else { throw .invalidURL("port must be 1-65535") }
                port = p
            }
            address = .tcp(host: String(host), port: port)
        case "unix", "redis+unix":
            guard rest.hasPrefix("/") else { throw .invalidURL("a unix socket URL needs an absolute path (unix:///path)") }
            address = .unix(path: String(rest))
        default:
            throw .invalidURL("unknown scheme (expected redis://, unix://, redis+unix://)")
        }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            if parts[0] == "db" {
                guard let db = Int(parts[1]), db >= 0 else { throw .invalidURL("db must be a number") }
                database = db
            }
        }
        self.init(address: address, username: username, password: password, database: database)
    }

    /// The URL without its password (for logs).
    public var description: String {
        let user = username.map { "\($0):<redacted>@" } ?? (password == nil ? "" : ":<redacted>@")
        switch address {
        case .tcp(let host, let port):
            let h = host.contains(":") ? "[\(host)]" : host
            return "redis://\(user)\(h):\(port)" + (database == 0 ? "" : "/\(database)")
        case .unix(let path):
            return "unix://\(user)\(path)" + (database == 0 ? "" : "?db=\(database)")
        }
    }

    private static func percentDecoded(_ text: Substring, what: String) throws(RedisError) -> String {
        var out: [UInt8] = []
        var bytes = Array(text.utf8)[...]
        while let byte = bytes.popFirst() {
            if byte == UInt8(ascii: "%") {
                guard bytes.count >= 2, let value = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16) else {
                    throw .invalidURL("bad percent-escape in \(what)")
                }
                out.append(value)
                bytes = bytes.dropFirst(2)
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
