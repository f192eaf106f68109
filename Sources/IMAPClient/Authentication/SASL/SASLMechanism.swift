/// A client-side SASL mechanism (RFC 4422) as a pure exchange: bytes in, bytes out, no I/O.
///
/// The session drives it: with SASL-IR (RFC 4959) it sends ``initialResponse()`` on the
/// AUTHENTICATE line; otherwise it answers the first (empty) challenge with it. Every further
/// `+ base64` challenge is decoded and handed to ``respond(to:)``. The bytes it returns are
/// secrets: the session base64-encodes them and never logs them.
public protocol SASLMechanism: Sendable {
    /// The mechanism name as sent after AUTHENTICATE (`PLAIN`, `XOAUTH2`…).
    var name: String { get }

    /// The client's first message, or nil if the mechanism starts with a server challenge.
    func initialResponse() -> [UInt8]?

    /// The answer to a decoded server challenge.
    mutating func respond(to challenge: [UInt8]) -> SASLStep

    /// After a tagged NO: what the mechanism learnt of the failure from the server's challenges
    /// (e.g. XOAUTH2's decoded JSON status), safe to show; nil when there is nothing to add.
    var failureDetail: String? { get }
}

/// What a mechanism answers to a challenge.
public enum SASLStep: Sendable, Equatable {
    /// Send these bytes (base64-encoded; an empty array sends an empty line).
    case respond([UInt8])
    /// Abort the exchange (`*`): the server then answers BAD or NO.
    case cancel
}

extension SASLMechanism {
    public var failureDetail: String? { nil }
}
