/// One of the two accounts being synchronised. Every rule in the planner is written once for a
/// side `t` and its counterpart `t.other` (mbsync's `t` / `t^1`), never once per direction.
public enum Side: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case local
    case remote

    public var other: Side { self == .local ? .remote : .local }
    public var description: String { rawValue }

    /// InterIMAP replicates remote → local first; the engine keeps that order.
    public static let replicationOrder: [Side] = [.remote, .local]
}

/// A value for each side, addressed by ``Side``.
public struct PerSide<Value> {
    public var local: Value
    public var remote: Value

    public init(local: Value, remote: Value) {
        self.local = local
        self.remote = remote
    }

    /// Both sides from one function of the side.
    public init(_ make: (Side) throws -> Value) rethrows {
        self.local = try make(.local)
        self.remote = try make(.remote)
    }

    public subscript(side: Side) -> Value {
        get { side == .local ? local : remote }
        set {
            switch side {
            case .local: local = newValue
            case .remote: remote = newValue
            }
        }
    }

    public func map<T>(_ transform: (Value) throws -> T) rethrows -> PerSide<T> {
        PerSide<T>(local: try transform(local), remote: try transform(remote))
    }
}

extension PerSide: Sendable where Value: Sendable {}
extension PerSide: Equatable where Value: Equatable {}
extension PerSide: Hashable where Value: Hashable {}
