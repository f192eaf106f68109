/// A stream entry ID, `<milliseconds>-<sequence>`, ordered as Redis orders them.
public struct StreamID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var milliseconds: UInt64
    public var sequence: UInt64

    public init(milliseconds: UInt64, sequence: UInt64) {
        self.milliseconds = milliseconds
        self.sequence = sequence
    }

    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let ms = UInt64(parts[0]), let seq = UInt64(parts[1]) else { return nil }
        self.init(milliseconds: ms, sequence: seq)
    }

    public static func < (a: StreamID, b: StreamID) -> Bool {
        (a.milliseconds, a.sequence) < (b.milliseconds, b.sequence)
    }

    public var description: String { "\(milliseconds)-\(sequence)" }
}

/// One field of a stream entry (names and values are binary-safe).
public struct StreamField: Sendable, Hashable {
    public var name: [UInt8]
    public var value: [UInt8]
    public init(name: [UInt8], value: [UInt8]) {
        self.name = name
        self.value = value
    }
    public init(_ name: String, _ value: String) { self.init(name: Array(name.utf8), value: Array(value.utf8)) }
}

/// An entry as returned by XREADGROUP/XAUTOCLAIM/XRANGE.
public struct StreamEntry: Sendable, Hashable {
    public var id: String
    /// `nil` when the entry is still pending but was deleted from the stream (XDEL, trimming).
    public var fields: [StreamField]?

    public init(id: String, fields: [StreamField]?) {
        self.id = id
        self.fields = fields
    }

    /// The value of the first field called `name`.
    public func value(_ name: String) -> [UInt8]? {
        let key = Array(name.utf8)
        return fields?.first { $0.name == key }?.value
    }
}
