/// The `FLAGS` / `+FLAGS` / `-FLAGS` [`.SILENT`] part of STORE (RFC 3501 §6.4.6).
public struct StoreFlags: Hashable, Sendable {
    public enum Operation: String, Hashable, Sendable {
        case replace = ""
        case add = "+"
        case remove = "-"
    }

    public var operation: Operation
    public var flags: [MessageFlag]
    public var silent: Bool

    public init(_ operation: Operation, _ flags: [MessageFlag], silent: Bool = false) {
        self.operation = operation
        self.flags = flags
        self.silent = silent
    }

    public static func add(_ flags: [MessageFlag], silent: Bool = false) -> StoreFlags { .init(.add, flags, silent: silent) }
    public static func remove(_ flags: [MessageFlag], silent: Bool = false) -> StoreFlags { .init(.remove, flags, silent: silent) }
    public static func replace(_ flags: [MessageFlag], silent: Bool = false) -> StoreFlags { .init(.replace, flags, silent: silent) }

    var itemName: String { operation.rawValue + "FLAGS" + (silent ? ".SILENT" : "") }
}
