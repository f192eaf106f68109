/// RFC 4616 PLAIN: `authzid NUL authcid NUL password`, sent at once.
public struct SASLPlain: SASLMechanism {
    public let name = "PLAIN"
    private let message: [UInt8]

    public init(username: String, password: String) {
        message = Array("\0\(username)\0\(password)".utf8)
    }

    public func initialResponse() -> [UInt8]? { message }

    /// A challenge after the message was sent means the server wants to stop: cancel.
    public mutating func respond(to challenge: [UInt8]) -> SASLStep { .cancel }
}

/// The non-standard but common LOGIN mechanism: the user name, then the password, each as the
/// answer to one challenge.
public struct SASLLogin: SASLMechanism {
    public let name = "LOGIN"
    private let username: [UInt8]
    private let password: [UInt8]
    private var step = 0

    public init(username: String, password: String) {
        self.username = Array(username.utf8)
        self.password = Array(password.utf8)
    }

    public func initialResponse() -> [UInt8]? { nil }

    public mutating func respond(to challenge: [UInt8]) -> SASLStep {
        defer { step += 1 }
        switch step {
        case 0: return .respond(username)
        case 1: return .respond(password)
        default: return .cancel
        }
    }
}
