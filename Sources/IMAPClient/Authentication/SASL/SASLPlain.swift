import Credentials

/// RFC 4616 PLAIN: `authzid NUL authcid NUL password`, sent at once.
public struct SASLPlain: SASLMechanism {
    public let name = "PLAIN"
    private let username: String
    /// Kept as a Secret (it never prints); the message is built only when it is sent.
    private let password: Secret

    public init(username: String, password: String) {
        self.username = username
        self.password = Secret(password)
    }

    public func initialResponse() -> [UInt8]? { Array("\0\(username)\0\(password.value)".utf8) }

    /// A challenge after the message was sent means the server wants to stop: cancel.
    public mutating func respond(to challenge: [UInt8]) -> SASLStep { .cancel }
}

/// The non-standard but common LOGIN mechanism: the user name, then the password, each as the
/// answer to one challenge.
public struct SASLLogin: SASLMechanism {
    public let name = "LOGIN"
    private let username: String
    private let password: Secret
    private var step = 0

    public init(username: String, password: String) {
        self.username = username
        self.password = Secret(password)
    }

    public func initialResponse() -> [UInt8]? { nil }

    public mutating func respond(to challenge: [UInt8]) -> SASLStep {
        defer { step += 1 }
        switch step {
        case 0: return .respond(Array(username.utf8))
        case 1: return .respond(Array(password.value.utf8))
        default: return .cancel
        }
    }
}
