/// The CONNECT document. Credentials are only ever rendered into the JSON sent on the wire.
struct ConnectInfo: Sendable, Equatable {
    var verbose = false
    var pedantic = false
    var tlsRequired = false
    var name: String?
    var lang = "swift"
    var version = NATSClient.version
    var protocolVersion = 1
    var echo = true
    var headers = true
    var noResponders = true
    var user: String?
    var password: String?
    var token: String?

    func json() -> String {
        var out = "{\"verbose\":\(verbose),\"pedantic\":\(pedantic),\"tls_required\":\(tlsRequired)"
        if let name { out += ",\"name\":" + Self.quoted(name) }
        out += ",\"lang\":" + Self.quoted(lang) + ",\"version\":" + Self.quoted(version)
        out += ",\"protocol\":\(protocolVersion),\"echo\":\(echo),\"headers\":\(headers),\"no_responders\":\(noResponders)"
        if let user { out += ",\"user\":" + Self.quoted(user) }
        if let password { out += ",\"pass\":" + Self.quoted(password) }
        if let token { out += ",\"auth_token\":" + Self.quoted(token) }
        return out + "}"
    }

    /// A JSON string literal (RFC 8259 §7).
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
