/// One namespace of a `* NAMESPACE` response (RFC 2342 §5, RFC 9051 §7.3.5).
///
/// namespace-descr = "(" string SP (DQUOTE QUOTED-CHAR DQUOTE / nil)
///                   [namespace-response-extensions] ")"
public struct NamespaceDescription: Hashable, Sendable {
    /// The prefix of the namespace's mailbox names (`""`, `"INBOX."`, `"#shared/"`), as sent.
    public var prefix: MailboxName
    /// The hierarchy delimiter; nil for `NIL` (flat).
    public var delimiter: Character?
    /// namespace-response-extension = SP string SP "(" string *(SP string) ")":
    /// name → values, as sent, in order.
    public var extensions: [NamespaceExtension]

    public init(prefix: MailboxName, delimiter: Character?, extensions: [NamespaceExtension] = []) {
        self.prefix = prefix
        self.delimiter = delimiter
        self.extensions = extensions
    }
}

/// An extension item of a namespace description, e.g. `"TRANSLATION" ("Shared")`.
public struct NamespaceExtension: Hashable, Sendable {
    public var name: String
    public var values: [String]

    public init(name: String, values: [String]) {
        self.name = name
        self.values = values
    }
}
