import Foundation
import IMAPClient
import IMAPCore
import Logging
import MailStore
import SyncEngine
import SyncIMAP
import SyncStore

/// `syncremote`: keeps a stored identity's remote account and the user's local account (the
/// embedded store, or the IMAP account `local_account` names) in sync, both ways, with the sync
/// engine (docs/sync.md). The identity's sync
/// lock is held for the whole run; the outcome goes into its check history. Sync state lives in
/// an InterIMAP-schema database of its own per identity (`stateDatabasePath`).
public struct RemoteSyncJob: Sendable {
    public var identity: RemoteIdentity
    /// How to connect; secrets already resolved (stored, given, prompted or from commands).
    public var settings: RemoteSettings
    /// Decoded names with the local delimiter (`/`, e.g. `Lists/Développement`); empty: every mailbox.
    public var mailboxes: [String]
    public var lockDuration: TimeInterval
    public var deactivateAfter: TimeInterval
    /// Whether the run records its outcome in the identity's check history. The daemon's job
    /// runner records it itself (it counts only failures that say something of the account).
    public var recordsCheck = true
    /// Whether the store's log is copied back as soon as each mailbox is synced (while the
    /// next one is selected) and when the run's changes are made: for a process that closes the
    /// store next (imapctl), whose close would otherwise copy and sync all of it at the end. The
    /// daemon keeps its store open and leaves checkpoints to the log's size (one per job would
    /// be two fsyncs per no-op sync).
    public var checkpointsWhenDone = true
    /// Where the user's local account is (`local_account`).
    public var localAccount: LocalAccount
    /// Connections to each account at most (`sync.connections`): mailboxes side by side.
    public var connections: Int

    public init(identity: RemoteIdentity, settings: RemoteSettings, mailboxes: [String] = [],
                configuration: WorkerConfiguration) {
        self.identity = identity
        self.settings = settings
        self.mailboxes = mailboxes
        lockDuration = TimeInterval(configuration.identities.syncLockSeconds)
        deactivateAfter = TimeInterval(configuration.identities.deactivateAfterHours) * 3600
        localAccount = LocalAccount(configuration: configuration)
        connections = configuration.sync.connections
    }

    /// The state database of `identityID` for the store at `storePath`: `sync/<identity id>.db`
    /// beside the store file. One per identity, since a mapping of UIDs belongs to one pair of
    /// accounts; deleting it only costs a re-match by content on the next run.
    public static func stateDatabasePath(storePath: String, identityID: UUID) -> String {
        let directory = (storePath as NSString).deletingLastPathComponent
        return ((directory.isEmpty ? "." : directory) as NSString)
            .appendingPathComponent("sync/\(identityID.uuidString.lowercased()).db")
    }

    /// One synchronisation. Mailboxes that fail are in the report (and make the check a failed
    /// one); what stops the whole run is thrown after being recorded.
    public func run(store: MailStore, logger: Logger, options: SyncRunOptions = SyncRunOptions()) async throws -> SyncReport {
        let (identity, lockDuration) = (self.identity, self.lockDuration)
        let lease = try await offThePool {
            try IdentitySyncLease(store: store, identityID: identity.id, duration: lockDuration)
        }
        let report: SyncReport
        let database: SyncStateDatabase
        var options = options
        if checkpointsWhenDone {
            let earlier = options.mailboxSynced
            options.mailboxSynced = { name in
                earlier?(name)
                store.checkpointSoon()
            }
        }
        do {
            (report, database) = try await synchronise(store: store, logger: logger, options: options)
        } catch {
            await lease.end()
            if recordsCheck { try await record(store, failure: "\(error)") }
            throw error
        }
        // The run's changes are made: the state database closes (its own checkpoint, two
        // fsyncs) while the lock is released and the check recorded (two small commits, none).
        // Then the store's log starts going back into its file, once: started before those two
        // commits, the copy had to be made again for them at close, two more fsyncs.
        async let closed: Void = offThePool { database.close() }
        await lease.end()
        var recordFailure: (any Error)?
        if recordsCheck {
            do { try await record(store, outcome: report) } catch { recordFailure = error }
        }
        if checkpointsWhenDone { store.checkpointSoon() }
        try? await closed
        if let recordFailure { throw recordFailure }
        return report
    }

    private func synchronise(store: MailStore, logger: Logger, options: SyncRunOptions) async throws
        -> (SyncReport, SyncStateDatabase)
    {
        let storeSide = Self.stateDatabasePath(storePath: store.path, identityID: identity.id)
        // Another pair of accounts, another mapping.
        let path = localAccount.section.isStore ? storeSide : (storeSide as NSString).deletingPathExtension + ".local-imap.db"
        let database = try await offThePool { () throws -> SyncStateDatabase in
            // 0700: the mapping tells which messages someone has, like the store itself.
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            return try SyncStateDatabase(path: path)
        }
        // Names as the engine takes command-line ones: modified UTF-7, the local delimiter.
        let selection = SyncSelection(explicit: try SyncSelection.explicitNames(mailboxes.map {
            ModifiedUTF7.encode(MailStore.canonicalMailboxName($0))
        }))
        let configuration = try settings.clientConfiguration()
        // A server without CONDSTORE/QRESYNC (or a NOMODSEQ mailbox) is compared flag by flag,
        // against a snapshot kept in the state database (docs/sync.md).
        let fallback = FlagSnapshotTables(database: database, account: Side.remote.rawValue)
        let local = try await localAccount.opener(store: store, userID: identity.userID)
        let lanes = RemoteSyncLanes(maxLanes: connections, remote: configuration, local: local, fallback: fallback, logger: logger)
        return try await local.withEndpoint(logger: logger) { local in
            try await IMAPEndpointConnector.withEndpoint(configuration: configuration, side: .remote,
                                                         logger: logger, fallback: fallback) { remote in
                let runner = SyncRunner(endpoints: PerSide(local: local, remote: remote), database: database,
                                        selection: selection, options: options, lanes: lanes)
                // Named mailboxes are synced as named; a whole run first follows the remote's renames.
                guard mailboxes.isEmpty else { return (try await runner.run(), database) }
                let renamed = try await RemoteRenames.replay(runner: runner)
                var report = if let listings = renamed.listings {
                    try await runner.run(listings: listings)
                } else {
                    try await runner.run()
                }
                report.warnings.insert(contentsOf: renamed.warnings, at: 0)
                return (report, database)
            }
        }
    }

    /// A run that ended: a failed check if a mailbox failed, else a success.
    private func record(_ store: MailStore, outcome report: SyncReport) async throws {
        guard let failed = report.failed.first else {
            let id = identity.id
            _ = try await offThePool { try store.recordCheckSucceeded(id: id) }
            return
        }
        try await record(store, failure: "\(report.failed.count) mailbox(es) failed; \(failed.mailbox): \(failed.error ?? "")")
    }

    private func record(_ store: MailStore, failure: String) async throws {
        let (id, deactivateAfter) = (identity.id, self.deactivateAfter)
        _ = try await offThePool { try store.recordCheckFailed(id: id, error: failure, deactivateAfter: deactivateAfter) }
    }
}
