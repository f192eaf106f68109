import IMAPCore

/// The flags of one message as the sync engine compares and stores them: a set, without
/// `\Recent` (session-only, RFC 3501 §2.3.2: it can be neither stored nor appended).
///
/// Two lists are equal when they hold the same flags (system flags case-insensitively), whatever
/// the order the server sent them in; ``imapString`` is canonical so that one `UID STORE` is
/// issued per distinct list.
public struct FlagList: Hashable, Sendable, CustomStringConvertible, ExpressibleByArrayLiteral {
    /// Sorted by ``MessageFlag/rawValue`` (the same order as InterIMAP's `sort`).
    public let flags: [MessageFlag]

    public init<S: Sequence<MessageFlag>>(_ flags: S) {
        var seen = Set<MessageFlag>()
        var kept: [MessageFlag] = []
        for flag in flags where flag != .recent && seen.insert(flag).inserted {
            kept.append(flag)
        }
        self.flags = kept.sorted { $0.rawValue < $1.rawValue }
    }

    public init(arrayLiteral elements: MessageFlag...) { self.init(elements) }

    public static let empty = FlagList([])

    public func union(_ other: FlagList) -> FlagList { FlagList(flags + other.flags) }
    public func contains(_ flag: MessageFlag) -> Bool { flags.contains(flag) }
    public var isEmpty: Bool { flags.isEmpty }

    /// `\Seen $Forwarded` — the parenthesised list's content.
    public var imapString: String { flags.map(\.rawValue).joined(separator: " ") }
    public var description: String { "(\(imapString))" }

    public static func == (lhs: FlagList, rhs: FlagList) -> Bool { Set(lhs.flags) == Set(rhs.flags) }
    public func hash(into hasher: inout Hasher) { hasher.combine(Set(flags)) }
}
