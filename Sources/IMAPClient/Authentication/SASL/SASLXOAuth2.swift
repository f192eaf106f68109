import Credentials

/// Google's XOAUTH2 (also Microsoft 365, Yahoo, Dovecot): `user=USER ^A auth=Bearer TOKEN ^A ^A`,
/// sent at once (https://developers.google.com/gmail/imap/xoauth2-protocol).
///
/// A refused token comes back as a challenge with a JSON status, which must be answered with an
/// empty response before the server sends its tagged NO; the JSON becomes ``failureDetail``.
public struct SASLXOAuth2: SASLMechanism {
    public let name = "XOAUTH2"
    // The message is built when sent, so that printing or dumping the value shows no token bytes.
    private let username: String
    private let token: Secret
    private var error = OAuthErrorChallenge()

    public init(username: String, token: Secret) {
        self.username = username
        self.token = token
    }

    public func initialResponse() -> [UInt8]? {
        Array("user=\(username)\u{1}auth=Bearer \(token.value)\u{1}\u{1}".utf8)
    }

    public mutating func respond(to challenge: [UInt8]) -> SASLStep {
        error.answer(challenge, acknowledgement: [], token: token)
    }

    public var failureDetail: String? { error.detail }
}
