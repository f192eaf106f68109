import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif
import Logging
import Synchronization

/// The embedded mail store: one SQLite file in WAL mode holding the remote identities and the
/// users' local accounts (mailboxes and messages). Safe to share between tasks and threads.
/// The synchronous calls block on SQLite: call them from a thread pool, not from an event loop.
/// The local-account calls (`async`) run on GRDB's own queues and suspend the caller instead.
public final class MailStore: Sendable {
    /// Opening options. The defaults are what the worker uses.
    public struct Options: Sendable {
        /// Open for reading only: no migration, every write fails with `.readOnly`.
        public var readOnly: Bool
        /// Caps the file size (`PRAGMA max_page_count`, in this store's pages): tests use it to
        /// simulate a full disk.
        public var maxBytes: Int?
        /// How long a write waits for another process's write lock before failing.
        public var busyTimeout: TimeInterval
        /// Where the key sealing the identities' secrets comes from; nil: the
        /// `IMAPWORKER_STORE_KEY` variable, else the file `PATH.key` beside the store.
        public var keySource: StoreKeySource?
        /// How long an expunge's tombstone is kept (docs/store.md, "Tombstones"): a peer that syncs
        /// at least this often always gets exact "vanished since" answers; an older one gets the
        /// full comparison. Default 90 days.
        public var tombstoneRetention: TimeInterval

        public init(readOnly: Bool = false, maxBytes: Int? = nil, busyTimeout: TimeInterval = 10,
                    keySource: StoreKeySource? = nil, tombstoneRetention: TimeInterval = 90 * 86_400) {
            self.readOnly = readOnly
            self.maxBytes = maxBytes
            self.busyTimeout = busyTimeout
            self.keySource = keySource
            self.tombstoneRetention = tombstoneRetention
        }
    }

    public static let defaultPath = "data/imapworker.db"
    /// The schema version this build writes.
    public static var schemaVersion: Int { StoreSchema.currentVersion }

    public let path: String
    public let options: Options
    let pool: DatabasePool
    let logger: Logger
    let secrets: StoreSecrets
    /// nil for a read-only store.
    private let checkpointer: WALCheckpointer?
    private let closed = Atomic<Bool>(false)

    public convenience init(path: String = MailStore.defaultPath,
                            logger: Logger = Logger(label: "imapworker.store")) throws(MailStoreError) {
        try self.init(path: path, options: Options(), logger: logger)
    }

    public init(path: String = MailStore.defaultPath, options: Options,
                logger: Logger = Logger(label: "imapworker.store")) throws(MailStoreError) {
        self.path = path
        self.options = options
        self.logger = logger
        secrets = StoreSecrets(source: options.keySource ?? StoreKeySource(keyFile: StoreKeySource.defaultKeyFile(forStore: path)))
        try Self.prepareFile(path: path, readOnly: options.readOnly)

        var configuration = Configuration()
        configuration.readonly = options.readOnly
        configuration.busyMode = .timeout(options.busyTimeout)
        configuration.label = "imapworker.store"
        let maxBytes = options.maxBytes
        let readOnly = options.readOnly
        // 16 MiB of log between checkpoints: few enough fsyncs, and a small file.
        let checkpointer = readOnly ? nil : WALCheckpointer(path: path, thresholdBytes: 16 << 20)
        self.checkpointer = checkpointer
        configuration.prepareDatabase { db in
            // WAL + NORMAL: a commit survives a process crash; only a power loss can undo the last ones.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Deleted rows are zeroed in the b-tree pages they leave (flags, headers, identities),
            // but freed overflow pages (most of a body) are not rewritten: Debian's SQLite zeroes
            // them too (secure_delete ON), which doubled the log an expunge writes (docs/store.md,
            // "Deleting"). A freed page holds old mail until new mail reuses it or a VACUUM.
            try db.execute(sql: "PRAGMA secure_delete = FAST")
            // A new store gets 32 KiB pages (an existing one keeps its own): bodies are most of its
            // bytes, and every page is written twice (log, then checkpoint), so 4 KiB pages meant
            // eight times the syscalls and page-cache lookups. Measured on a 230 MB fetch: a third
            // less kernel time, for 5 % more file.
            if !readOnly { try db.execute(sql: "PRAGMA page_size = \(StoreSchema.pageSize)") }
            let pageSize = max(512, try Int.fetchOne(db, sql: "PRAGMA page_size") ?? StoreSchema.pageSize)
            // SQLite's default cache (2,000 KiB) is turned into pages at 4 KiB before the file's
            // page size is known: with 32 KiB pages it would hold 16 MB of a batch's dirty pages.
            try db.execute(sql: "PRAGMA cache_size = \(max(16, StoreSchema.cacheBytes / pageSize))")
            if let maxBytes { try db.execute(sql: "PRAGMA max_page_count = \(max(1, maxBytes / pageSize))") }
            if readOnly { try db.execute(sql: "PRAGMA query_only = 1") }
            checkpointer?.observe(db, pageSize: pageSize)
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            checkpointer?.stop()
            throw MailStoreError(error, path: path)
        }
        try migrate()
        if !readOnly { try freeBodiesLeftQueued() }
        logger.debug("mail store open", metadata: ["path": "\(path)", "readOnly": "\(options.readOnly)"])
    }

    /// Closes the store: its connections first, so that the checkpointer's final checkpoint (which
    /// empties the log, and removes it with the last connection) is the last word. A command calls
    /// it before it exits: a thread that is ending (an ingest's writer) may still hold a reference,
    /// and a process that exits before the last one is dropped would leave the log and its
    /// shared-memory file behind. Later calls do nothing; any other use of the store then fails.
    public func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        do {
            try pool.close()
        } catch {
            logger.error("mail store not closed cleanly", metadata: ["path": "\(path)", "error": "\(error)"])
        }
        checkpointer?.stop()
    }

    deinit { close() }

    /// Starts copying the log back into the file now, on the checkpointer's thread (a PASSIVE
    /// pass: readers and writers go on). A caller whose work is done calls it before its last
    /// steps, so that `close()` finds little left to copy and sync.
    public func checkpointSoon() {
        checkpointer?.request()
    }

    /// Creates the parent directories and, for a new store, an empty file readable by its owner only
    /// (it holds passwords; SQLite gives the -wal and -shm files the same mode).
    private static func prepareFile(path: String, readOnly: Bool) throws(MailStoreError) {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw .cannotOpen(path: path, reason: "is a directory") }
            return
        }
        if readOnly { throw .cannotOpen(path: path, reason: "no such file") }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty {
            do {
                try fm.createDirectory(atPath: parent, withIntermediateDirectories: true)
            } catch {
                throw .cannotOpen(path: path, reason: "cannot create directory \(parent): \(error.localizedDescription)")
            }
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 {
            let code = errno
            if code == EEXIST { return }
            if code == EROFS { throw .readOnly(path: path) }
            throw .cannotOpen(path: path, reason: String(cString: strerror(code)))
        }
        _ = Glibc.close(fd)  // the C call: `close()` here would name the store's own
    }

    private func migrate() throws(MailStoreError) {
        let migrator = StoreSchema.migrator(secrets: secrets)
        let (found, superseded, pending) = try read { db in
            (try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0, try migrator.hasBeenSuperseded(db),
             Set(migrator.migrations).subtracting(try migrator.appliedIdentifiers(db)))
        }
        // A newer build raised user_version, or applied migrations this build does not know.
        if found > StoreSchema.currentVersion || superseded {
            throw .schemaTooNew(found: max(found, StoreSchema.currentVersion + 1), supported: StoreSchema.currentVersion)
        }
        guard !pending.isEmpty else { return }
        if options.readOnly { throw .readOnly(path: path) }
        do {
            try migrator.migrate(pool)
            if pending.contains(StoreSchema.identitySecretsMigration.identifier) {
                // Old page images holding clear passwords leave the log (a reader in another
                // process may delay that to the next checkpoint).
                try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
            }
        } catch {
            throw MailStoreError(error, path: path)
        }
        logger.info("mail store schema migrated", metadata: [
            "path": "\(path)", "version": "\(StoreSchema.currentVersion)", "applied": "\(pending.sorted())",
        ])
    }

    /// `PRAGMA integrity_check`: true when SQLite finds nothing wrong.
    public func integrityCheck() throws(MailStoreError) -> Bool {
        let results = try read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
        if results != ["ok"] {
            logger.error("mail store integrity check failed", metadata: ["path": "\(path)", "problems": "\(results.prefix(10))"])
        }
        return results == ["ok"]
    }

    // MARK: - Access with error mapping

    func read<T>(_ body: (Database) throws -> T) throws(MailStoreError) -> T {
        do { return try pool.read(body) } catch { throw MailStoreError(error, path: path) }
    }

    func write<T>(_ body: (Database) throws -> T) throws(MailStoreError) -> T {
        do { return try pool.write(body) } catch { throw MailStoreError(error, path: path) }
    }

    /// GRDB's async access: the closure runs on one of the pool's own queues while the caller's
    /// task is suspended, so no SQLite call ever blocks the cooperative pool or an event loop.
    func asyncRead<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(MailStoreError) -> T {
        do { return try await pool.read(body) } catch { throw MailStoreError(error, path: path) }
    }

    /// One write transaction on the pool's writer queue (see `asyncRead`).
    func asyncWrite<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(MailStoreError) -> T {
        do { return try await pool.write(body) } catch { throw MailStoreError(error, path: path) }
    }
}
