import Foundation
import GRDB

/// The sync state: InterIMAP 0.5.7's SQLite database (same schema, same encodings), so an
/// interimap user's file is used as is, and interimap accepts the files we write.
///
/// Opened the way interimap opens it: exclusive locking (two syncs of one pair never run at
/// once), foreign keys on, every change in a transaction. All calls block on SQLite.
public final class SyncStateDatabase: Sendable {
    public static var schemaVersion: Int { SyncStateSchema.version }

    public let path: String
    let queue: DatabaseQueue

    /// Opens `path`, creating it (mode 0600, the new schema) when missing and `create` is set.
    public init(path: String, create: Bool = true) throws(SyncStateError) {
        self.path = path
        try Self.prepareFile(path: path, create: create)
        var configuration = Configuration()
        configuration.label = "imapworker.sync-state"
        configuration.busyMode = .timeout(0.25)  // interimap's sqlite_busy_timeout(250)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA locking_mode = EXCLUSIVE")
        }
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try queue.writeWithoutTransaction { db in try Self.checkOrCreateSchema(db, path: path) }
            // Only once the file is known to be a state database (nothing is written to a refused
            // one): a WAL, so a commit (one per append batch) costs no fsync. The exclusive lock
            // keeps the WAL index in memory (no -shm file); a process killed after a commit keeps
            // it, and a power loss can only drop the last commits, whose copies the next run pairs
            // by content. interimap opens WAL files as they are.
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
        } catch let error as SyncStateError {
            throw error
        } catch {
            throw Self.translate(error, path: path)
        }
    }

    /// Closes the file (its log copied back and removed); nothing can be read or written after.
    /// Also done when the last reference goes.
    public func close() {
        try? queue.close()
    }

    /// Reads in one transaction.
    public func read<T>(_ body: (SyncStateTransaction) throws -> T) throws(SyncStateError) -> T {
        do {
            return try queue.read { db in try body(SyncStateTransaction(db: db, path: path)) }
        } catch {
            throw Self.translate(error, path: path)
        }
    }

    /// Changes in one transaction: all of `body` is committed, or none of it.
    public func write<T>(_ body: (SyncStateTransaction) throws -> T) throws(SyncStateError) -> T {
        do {
            return try queue.write { db in try body(SyncStateTransaction(db: db, path: path)) }
        } catch {
            throw Self.translate(error, path: path)
        }
    }

    // MARK: Opening

    private static func prepareFile(path: String, create: Bool) throws(SyncStateError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw .cannotOpen(path: path, reason: "is a directory") }
            return
        }
        guard create else { throw .cannotOpen(path: path, reason: "no such file") }
        // interimap: sysopen(O_WRONLY|O_CREAT|O_EXCL, 0600); the file holds the account layout.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        Glibc.close(fd)
    }

    private static func checkOrCreateSchema(_ db: Database, path: String) throws {
        let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        let tables = try Set(String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'"))
        if version > SyncStateSchema.version {
            throw SyncStateError.newerSchema(path: path, found: version, supported: SyncStateSchema.version)
        }
        if version == 0 {
            guard tables.isEmpty else { throw SyncStateError.legacySchema(path: path) }
            try db.inTransaction {
                try SyncStateSchema.create(db)
                return .commit
            }
            return
        }
        let missing = SyncStateSchema.tableNames.filter { !tables.contains($0) }
        guard missing.isEmpty else { throw SyncStateError.notAStateDatabase(path: path, missingTables: missing) }
    }

    static func translate(_ error: any Error, path: String) -> SyncStateError {
        if let error = error as? SyncStateError { return error }
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_BUSY, .SQLITE_LOCKED: return .locked(path: path)
            case .SQLITE_NOTADB: return .notAStateDatabase(path: path, missingTables: SyncStateSchema.tableNames)
            case .SQLITE_CONSTRAINT: return .invariant(path: path, message: error.message ?? "\(error)")
            default: return .sqlite(path: path, message: error.message ?? "\(error)")
            }
        }
        return .sqlite(path: path, message: "\(error)")
    }
}
