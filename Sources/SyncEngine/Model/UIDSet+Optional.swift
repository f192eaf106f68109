import IMAPCore

extension Optional where Wrapped == UIDSet {
    /// The UIDs of an optional set (nil = none), sorted.
    var uids: [UID] { self.map { Array($0) } ?? [] }
}
