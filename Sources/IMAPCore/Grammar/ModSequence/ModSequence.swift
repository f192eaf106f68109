/// A modification sequence (RFC 7162 §7): the CONDSTORE/QRESYNC counter a server bumps on every
/// change to a message's metadata.
///
/// The grammar has two rules, and this one type stands for both:
/// - `mod-sequence-value = 1*DIGIT` (1 ≤ n): FETCH `MODSEQ (n)`, `[HIGHESTMODSEQ n]`,
///   `CHANGEDSINCE n`, the QRESYNC SELECT parameter, SEARCH/ESEARCH `MODSEQ n` results;
/// - `mod-sequence-valzer = "0" / mod-sequence-value`: `UNCHANGEDSINCE n`, the SEARCH `MODSEQ n`
///   criterion and STATUS `HIGHESTMODSEQ n` (0 there means the mailbox keeps no mod-sequences).
///
/// So 0 is allowed (``zero``, ``isZero``). The parser accepts 0 wherever a server sends a
/// mod-sequence (servers do send `MODSEQ (0)` for messages never changed), rather than dropping
/// the connection over it; callers must not send `CHANGEDSINCE 0` (use no modifier instead).
/// The value is kept as the full 64 bits: RFC 7162 narrowed it to 63 bits, RFC 4551 servers
/// may use all 64; a number past `UInt64.max` is invalid input.
public struct ModSequence: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible,
    ExpressibleByIntegerLiteral {
    public let rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ value: UInt64) { self.rawValue = value }
    public init(integerLiteral value: UInt64) { self.rawValue = value }

    public static let zero = ModSequence(0)
    public var isZero: Bool { rawValue == 0 }

    public static func < (lhs: ModSequence, rhs: ModSequence) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
}
