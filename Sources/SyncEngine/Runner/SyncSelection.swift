import Foundation

/// Which mailboxes a run considers: the configuration's `list-mailbox`, `list-select-opts`,
/// `ignore-mailbox` and each side's `list-reference`, or the names given on the command line,
/// which replace the patterns and bypass `ignore-mailbox` (interimap's `@ARGV`).
public struct SyncSelection: Sendable {
    /// List patterns (wire bytes, `\0` = the delimiter); empty = `*`.
    public var patterns: [[UInt8]]
    public var selectOptions: [String]
    /// `ignore-mailbox`, matched against the stored form (`\0` for the delimiter).
    public var ignore: String?
    public var references: PerSide<[UInt8]>
    /// Mailboxes named by the user (modified UTF-7, the local delimiter): listed as patterns,
    /// never ignored.
    public var explicit: [[UInt8]]

    public init(patterns: [[UInt8]] = [], selectOptions: [String] = [], ignore: String? = nil,
                references: PerSide<[UInt8]> = PerSide(local: [], remote: []), explicit: [[UInt8]] = []) {
        self.patterns = patterns
        self.selectOptions = selectOptions
        self.ignore = ignore
        self.references = references
        self.explicit = explicit
    }

    /// From the configuration file, plus the command line's mailboxes.
    public init(configuration: InterIMAPConfiguration, mailboxes: [String]) throws(SyncRunError) {
        self.init(patterns: configuration.listMailbox, selectOptions: configuration.listSelectOptions,
                  ignore: configuration.ignoreMailbox,
                  references: PerSide(local: Array(configuration.local.listReference.utf8),
                                      remote: Array(configuration.remote.listReference.utf8)),
                  explicit: try Self.explicitNames(mailboxes))
    }

    /// Command-line names as interimap takes them: ASCII only (modified UTF-7, unquoted),
    /// INBOX case-insensitive.
    public static func explicitNames(_ mailboxes: [String]) throws(SyncRunError) -> [[UInt8]] {
        var explicit: [[UInt8]] = []
        for name in mailboxes {
            guard !name.isEmpty, name.utf8.allSatisfy({ $0 >= 0x01 && $0 <= 0x7F }) else {
                throw .invalidMailboxName(name)
            }
            explicit.append(name.uppercased() == "INBOX" ? Array("INBOX".utf8) : Array(name.utf8))
        }
        return explicit
    }

    /// What a run lists first on `side` (the request of its first `listMailboxes`): an endpoint
    /// may send it as soon as it is connected (``SyncRunner/run()`` asks for exactly this).
    public func firstListRequest(for side: Side) -> MailboxListRequest {
        request(for: side, localDelimiter: nil)
    }

    /// The request for `side`; explicit names use the local delimiter, which the caller has
    /// replaced by `\0` for the remote side once it knows it (`localDelimiter`).
    func request(for side: Side, localDelimiter: Character?) -> MailboxListRequest {
        var wanted = explicit.isEmpty ? patterns : explicit
        if !explicit.isEmpty, side == .remote, let d = localDelimiter?.asciiValue {
            wanted = wanted.map { $0.map { $0 == d ? 0 : $0 } }
        }
        return MailboxListRequest(patterns: wanted, selectOptions: explicit.isEmpty ? selectOptions : [],
                                  reference: references[side])
    }

    /// A matcher for `ignore-mailbox` (never applied to explicit names).
    func ignoreMatcher() throws(SyncRunError) -> @Sendable (StoredMailboxName) -> Bool {
        guard explicit.isEmpty, let ignore else { return { _ in false } }
        let regex: NSRegularExpression
        do {
            regex = try NSRegularExpression(pattern: ignore)
        } catch {
            throw .invalidIgnorePattern(ignore)
        }
        let box = RegexBox(regex: regex)
        return { name in
            let text = String(decoding: name.bytes, as: UTF8.self)
            return box.regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }
    }
}

/// NSRegularExpression is immutable and documented thread-safe, but not marked Sendable.
private struct RegexBox: @unchecked Sendable {
    let regex: NSRegularExpression
}
