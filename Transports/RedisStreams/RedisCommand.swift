/// One Redis command as its argument vector (binary-safe), e.g. `["XACK", "orders", "g", "1-0"]`.
public struct RedisCommand: Sendable, Hashable, ExpressibleByArrayLiteral, CustomStringConvertible {
    public var arguments: [[UInt8]]

    public init(_ arguments: [[UInt8]]) { self.arguments = arguments }
    public init(_ words: String...) { self.arguments = words.map { Array($0.utf8) } }
    public init(arrayLiteral words: String...) { self.arguments = words.map { Array($0.utf8) } }

    public mutating func append(_ word: String) { arguments.append(Array(word.utf8)) }
    public mutating func append(_ bytes: [UInt8]) { arguments.append(bytes) }

    /// The command name, upper-cased.
    public var name: String { arguments.first.map { String(decoding: $0, as: UTF8.self).uppercased() } ?? "" }

    /// Shows the name and argument count only: arguments may hold passwords or order payloads.
    public var description: String { "\(name) (\(arguments.count - 1) arguments)" }
}
