/// Why the state database cannot be used; every case names the file.
public enum SyncStateError: Error, Hashable, Sendable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    /// `user_version` is above what this build knows: written by a newer interimap or imapctl.
    case newerSchema(path: String, found: Int, supported: Int)
    /// `user_version` 0 with tables: an interimap database from before 0.5 (delimiters not yet
    /// stored as `\0`). interimap 0.5.7 upgrades it on its next run.
    case legacySchema(path: String)
    /// A file that is not an InterIMAP database (a table is missing).
    case notAStateDatabase(path: String, missingTables: [String])
    /// Held by another process (InterIMAP locks the file exclusively while it runs).
    case locked(path: String)
    case sqlite(path: String, message: String)
    /// A mapping or state update that would break an invariant (a programming error upstream).
    case invariant(path: String, message: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "cannot open sync database \(path): \(reason)"
        case .newerSchema(let path, let found, let supported):
            "sync database \(path) has schema version \(found); this build supports up to \(supported) (it was written by a newer interimap or imapctl)"
        case .legacySchema(let path):
            "sync database \(path) is from interimap before 0.5 (schema version 0): run interimap 0.5.7 once to upgrade it"
        case .notAStateDatabase(let path, let missing):
            "\(path) is not an interimap sync database (missing tables: \(missing.joined(separator: ", ")))"
        case .locked(let path): "sync database \(path) is in use by another process"
        case .sqlite(let path, let message): "sync database \(path): \(message)"
        case .invariant(let path, let message): "sync database \(path): \(message)"
        }
    }
}
