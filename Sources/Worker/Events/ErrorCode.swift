/// The stable failure codes of events (docs/bus-contract.md, "Error codes").
public enum ErrorCode: String, Sendable, Codable, CaseIterable {
    case badOrder = "bad_order"
    case busy
    case unknownIdentity = "unknown_identity"
    case authFailed = "auth_failed"
    case tlsFailed = "tls_failed"
    case connectFailed = "connect_failed"
    case serverError = "server_error"
    case timeout
    case notImplemented = "not_implemented"
    case `internal`
}

/// A failed job or refused order: a code and a message that holds no credential.
public struct JobFailure: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String
    /// Whether another attempt may succeed (connection refused, timeout, BYE).
    public var transient: Bool

    public init(_ code: ErrorCode, _ message: String, transient: Bool = false) {
        self.code = code
        self.message = message
        self.transient = transient
    }

    public var description: String { "\(code.rawValue): \(message)" }

    enum CodingKeys: String, CodingKey { case code, message }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(try c.decode(ErrorCode.self, forKey: .code), try c.decode(String.self, forKey: .message))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(code, forKey: .code)
        try c.encode(message, forKey: .message)
    }
}
