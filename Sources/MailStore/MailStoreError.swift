import Foundation
import GRDB

/// Why a store operation failed. Messages name the file and the cause, never a password.
public enum MailStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file (or its directory) cannot be created or opened.
    case cannotOpen(path: String, reason: String)
    /// The database refuses writes (read-only file, directory or connection).
    case readOnly(path: String)
    /// The disk (or the configured `maxPageCount`) is full (SQLITE_FULL).
    case diskFull(path: String)
    /// The file is damaged or is not an SQLite database.
    case corrupt(path: String, reason: String)
    /// The file was migrated by a newer imapworker: this build only knows `supported`.
    case schemaTooNew(found: Int, supported: Int)
    /// A row the caller named does not exist (identity, mailbox).
    case notFound(String)
    /// A row with the same key already exists.
    case alreadyExists(String)
    /// The caller passed a value the store cannot hold (empty mailbox name, …).
    case invalidArgument(String)
    /// Any other I/O or SQLite failure.
    case io(String)
    /// The store key (from `source`) is missing or unusable.
    case secretKeyUnavailable(source: String, reason: String)
    /// A stored secret does not open with the key from `source`: another store's key, or an altered row.
    case secretKeyMismatch(source: String, identity: String)
    /// Another process holds the identity's sync lock until `until` (ISO 8601).
    case syncLockHeld(identity: String, owner: String, until: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): "cannot open mail store \(path): \(reason)"
        case let .readOnly(path): "mail store \(path) is read-only"
        case let .diskFull(path): "mail store \(path): disk full"
        case let .corrupt(path, reason): "mail store \(path) is corrupt: \(reason)"
        case let .schemaTooNew(found, supported):
            "mail store schema version \(found) is newer than the supported version \(supported); upgrade imapworker"
        case let .notFound(what): "not found: \(what)"
        case let .alreadyExists(what): "already exists: \(what)"
        case let .invalidArgument(why): "invalid argument: \(why)"
        case let .io(why): "mail store I/O error: \(why)"
        case let .secretKeyUnavailable(source, reason): "mail store secret key (\(source)) unavailable: \(reason)"
        case let .secretKeyMismatch(source, identity):
            "the secrets of identity \(identity) do not open with the key from \(source) (wrong key for this store, or an altered row)"
        case let .syncLockHeld(identity, owner, until): "identity \(identity) is being synced by \(owner) (lock expires \(until))"
        }
    }
}

extension MailStoreError {
    /// Maps any error thrown under GRDB to a store error. SQL text and arguments are not included:
    /// arguments may hold a password.
    init(_ error: any Error, path: String) {
        if let error = error as? MailStoreError {
            self = error
            return
        }
        guard let error = error as? DatabaseError else {
            self = .io(String(describing: error))
            return
        }
        let message = error.message ?? "SQLite error \(error.resultCode.rawValue)"
        switch error.resultCode.primaryResultCode {
        case .SQLITE_READONLY: self = .readOnly(path: path)
        case .SQLITE_FULL: self = .diskFull(path: path)
        case .SQLITE_CANTOPEN: self = .cannotOpen(path: path, reason: message)
        case .SQLITE_CORRUPT: self = .corrupt(path: path, reason: message)
        case .SQLITE_NOTADB: self = .corrupt(path: path, reason: "file is not an SQLite database")
        case .SQLITE_IOERR: self = .io("\(path): \(message) (code \(error.extendedResultCode.rawValue))")
        case .SQLITE_PERM, .SQLITE_AUTH: self = .readOnly(path: path)
        default: self = .io("\(path): \(message) (code \(error.extendedResultCode.rawValue))")
        }
    }
}
