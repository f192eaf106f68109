/// `host:port` as given by users (`imap.example.com:993`, `[::1]:143`, `127.0.0.1`).
public struct ServerAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host[:port]`; IPv6 literals must be bracketed when a port follows.
    public init(parsing text: String, defaultPort: Int) throws(IMAPClientError) {
        let text = text.trimmingWhitespace()
        guard !text.isEmpty else { throw .configuration("empty server address") }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .configuration("unterminated IPv6 literal in \(text)") }
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.isEmpty { port = defaultPort; return }
            guard rest.hasPrefix(":"), let p = Int(rest.dropFirst()), (1...65535).contains(p) else {
                throw .configuration("bad port in \(text)")
            }
            port = p
            return
        }
        let colons = text.filter { $0 == ":" }.count
        if colons == 1, let idx = text.lastIndex(of: ":") {
            host = String(text[..<idx])
            guard let p = Int(text[text.index(after: idx)...]), (1...65535).contains(p) else {
                throw .configuration("bad port in \(text)")
            }
            port = p
        } else {
            host = text  // no port, or a bare IPv6 literal
            port = defaultPort
        }
        guard !host.isEmpty else { throw .configuration("missing host in \(text)") }
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// True when the host is an IPv4 or IPv6 literal (no SNI is sent for those).
    public var isIPLiteral: Bool {
        host.contains(":") || (host.split(separator: ".").count == 4 && host.allSatisfy { $0.isNumber || $0 == "." })
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
