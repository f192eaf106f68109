import Foundation

/// The canonical `host:port` of an identity's server, so that `imap.x.org` and `IMAP.x.org:993`
/// name the same account: the host lower-cased, IPv6 literals in their canonical form and
/// bracketed, the port filled in for the connection kind (993 for imaps, 143 otherwise).
public enum NormalizedServer {
    public static func defaultPort(for connection: RemoteIdentity.TLSSettings.Connection) -> Int {
        connection == .imaps ? 993 : 143
    }

    /// `server` normalised; an empty server is kept empty for a tunnel (nothing to connect to).
    public static func normalize(_ server: String, connection: RemoteIdentity.TLSSettings.Connection)
        throws(MailStoreError) -> String
    {
        let text = server.trimmingCharacters(in: .whitespaces)
        if text.isEmpty {
            if connection == .tunnel { return "" }
            throw .invalidArgument("empty server address")
        }
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .invalidArgument("unterminated IPv6 literal in \(text)") }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { throw .invalidArgument("bad port in \(text)") }
                portText = rest.dropFirst()
            }
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            host = Substring(text)  // no port, or a bare IPv6 literal
        }
        var port = defaultPort(for: connection)
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else { throw .invalidArgument("bad port in \(text)") }
            port = p
        }
        guard !host.isEmpty else { throw .invalidArgument("missing host in \(text)") }
        if host.contains(":") {
            guard let canonical = canonicalIPv6(String(host)) else { throw .invalidArgument("bad IPv6 literal in \(text)") }
            return "[\(canonical)]:\(port)"
        }
        return "\(host.lowercased()):\(port)"
    }

    /// The RFC 5952 text of an IPv6 address (inet_ntop's), nil when it is not one.
    private static func canonicalIPv6(_ text: String) -> String? {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The key identities are unique on, with the user and the login: the normalised server,
    /// or for a tunnel without one, its command.
    static func uniquenessKey(server: String, connection: RemoteIdentity.TLSSettings.Connection,
                              tunnelCommand: String?) -> String {
        server.isEmpty ? "tunnel:\(tunnelCommand ?? "")" : server
    }
}
