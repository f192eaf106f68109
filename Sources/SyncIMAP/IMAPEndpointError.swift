/// What only the IMAP endpoint can get wrong (the shared cases are `MailboxEndpointError`).
public enum IMAPEndpointError: Error, Hashable, Sendable, CustomStringConvertible {
    case invalidPattern(String)
    /// The server answered something the protocol does not allow here.
    case unexpectedResponse(String)

    public var description: String {
        switch self {
        case .invalidPattern(let text): text
        case .unexpectedResponse(let text): "unexpected server response: \(text)"
        }
    }
}
