import Credentials

/// RFC 7628 OAUTHBEARER: a GS2 header naming the user, then key=value pairs separated by ^A,
/// `n,a=USER,^Ahost=HOST^Aport=PORT^Aauth=Bearer TOKEN^A^A`, sent at once.
///
/// A refused token comes back as a challenge with a JSON status (§3.2.2); the client must answer
/// it with a single ^A (§3.2.3) and the server then sends its tagged NO. The JSON becomes
/// ``failureDetail``.
public struct SASLOAuthBearer: SASLMechanism {
    public let name = "OAUTHBEARER"
    // The message is built when sent, so that printing or dumping the value shows no token bytes.
    private let username: String
    private let token: Secret
    private let host: String?
    private let port: Int?
    private var error = OAuthErrorChallenge()

    /// `host` and `port` are the server the client connects to (optional in the RFC: nil omits them).
    public init(username: String, token: Secret, host: String?, port: Int?) {
        self.username = username
        self.token = token
        self.host = host
        self.port = port
    }

    public func initialResponse() -> [UInt8]? {
        var text = "n,a=\(Self.saslName(username)),\u{1}"
        if let host { text += "host=\(host)\u{1}" }
        if let port { text += "port=\(port)\u{1}" }
        text += "auth=Bearer \(token.value)\u{1}\u{1}"
        return Array(text.utf8)
    }

    public mutating func respond(to challenge: [UInt8]) -> SASLStep {
        error.answer(challenge, acknowledgement: [0x01], token: token)
    }

    public var failureDetail: String? { error.detail }

    /// RFC 5801 saslname: `,` and `=` escaped as `=2C` and `=3D`.
    static func saslName(_ name: String) -> String {
        name.replacingOccurrences(of: "=", with: "=3D").replacingOccurrences(of: ",", with: "=2C")
    }
}
