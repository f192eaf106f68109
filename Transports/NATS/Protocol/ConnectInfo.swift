import BusTransport

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
        if let name { out += ",\"name\":" + JSONText.quoted(name) }
        out += ",\"lang\":" + JSONText.quoted(lang) + ",\"version\":" + JSONText.quoted(version)
        out += ",\"protocol\":\(protocolVersion),\"echo\":\(echo),\"headers\":\(headers),\"no_responders\":\(noResponders)"
        if let user { out += ",\"user\":" + JSONText.quoted(user) }
        if let password { out += ",\"pass\":" + JSONText.quoted(password) }
        if let token { out += ",\"auth_token\":" + JSONText.quoted(token) }
        return out + "}"
    }
}
