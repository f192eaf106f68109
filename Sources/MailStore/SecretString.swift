/// A password or token. It prints as `<redacted>` everywhere (`description`, `debugDescription`,
/// `dump`, string interpolation); only `revealed` gives the value, for the code that must send it.
/// `Codable` encodes the clear value: it is how the store and configuration files hold it.
public struct SecretString: Sendable, Hashable, Codable, CustomStringConvertible,
    CustomDebugStringConvertible, CustomReflectable, ExpressibleByStringLiteral {
    public let revealed: String

    public init(_ value: String) { revealed = value }
    public init(stringLiteral value: String) { revealed = value }

    public init(from decoder: any Decoder) throws {
        revealed = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(revealed)
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: nil) }
}
