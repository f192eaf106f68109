import Foundation
import IMAPCore

/// Runs InterIMAP's synchronisation (docs/sync.md, "The engine loop") over two endpoints and
/// the state database: capabilities, mailbox lists, then each mailbox — interrupted-run
/// recovery, the per-mailbox state machine driven to the end, UIDVALIDITY re-matching — and
/// the administrative commands (`--repair`, `--delete`, `--rename`). Nothing here asks which
/// kind of endpoint it talks to.
public struct SyncRunner: Sendable {
    public let endpoints: PerSide<any MailboxEndpoint>
    public let database: SyncStateDatabase
    public let selection: SyncSelection
    public let options: SyncRunOptions

    public init(endpoints: PerSide<any MailboxEndpoint>, database: SyncStateDatabase, selection: SyncSelection = SyncSelection(),
                options: SyncRunOptions = SyncRunOptions()) {
        self.endpoints = endpoints
        self.database = database
        self.selection = selection
        self.options = options
    }

    /// One synchronisation of every selected mailbox. A mailbox that fails (NOMODSEQ, a server
    /// refusal) is reported in its summary and the others go on; what stops the whole run
    /// (a missing capability, a mailbox deleted on one side) is thrown.
    public func run() async throws -> SyncReport {
        try await synchronise(repairing: false)
    }

    /// `--repair [MAILBOX…]`: a full comparison of each known mailbox, fixes, then a sync.
    public func repair() async throws -> SyncReport {
        try await synchronise(repairing: true)
    }

    private func synchronise(repairing: Bool) async throws -> SyncReport {
        let started = ContinuousClock.now
        var session = SyncSession(endpoints: endpoints, database: database, options: options)
        let listed = try await session.checkCapabilitiesAndList(selection)
        let ignored = try selection.ignoreMatcher()
        let stored = try database.read { try $0.mailboxes() }
        let plan = MailboxListPlanner.plan(listed: listed.forPlanner, stored: stored, ignored: ignored)
        if let (name, side) = plan.deletedOnOneSide.first {
            throw SyncRunError.deletedOnOneSide(mailbox: name.description, missingOn: side)
        }
        var summaries: [StoredMailboxName: SyncSummary] = [:]
        try await session.apply(plan, summaries: &summaries)
        let interrupted = Set(try database.read { try $0.interruptedMailboxes() })
        let records = Dictionary(try database.read { try $0.mailboxes() }.map { ($0.name, $0) },
                                 uniquingKeysWith: { first, _ in first })
        var report = SyncReport()
        var moves = MoveDetector.Outcome()
        if !repairing, interrupted.isEmpty {
            let boxes = try plan.mailboxes.compactMap { name -> (name: StoredMailboxName, record: StoredMailbox, state: PerSide<SideState>?)? in
                guard let record = records[name] else { return nil }
                return (name, record, try database.read { try $0.state(mailbox: record.id) })
            }
            do {
                moves = try await MoveDetector(session: session, listed: listed, mailboxes: boxes).detect()
            } catch let error as CancellationError {
                throw error
            } catch {
                // Only an optimisation: the mailboxes' own sync copies and expunges instead
                // (a move already replayed is found again as a pair on both sides).
                report.warnings.append("move detection skipped: \(error)")
                options.logger.warning("move detection skipped: \(error)")
            }
        }
        for name in plan.mailboxes {
            var summary = summaries[name] ?? SyncSummary(mailbox: name.description)
            guard let record = records[name] else { continue }  // repair: not in the database
            do {
                if let moved = moves.moved[name] { summary.moved = moved }
                var driver = try MailboxSyncDriver(session: session, id: record.id, name: name, summary: summary)
                if let away = moves.movedAway[name] { driver.ownExpunges = away }
                if repairing {
                    try await driver.repair()
                } else {
                    let isInterrupted = interrupted.contains(record.id)
                    if !isInterrupted, moves.movedAway[name] == nil, try isClean(record.id, status: listed.status(of: name)) {
                        summary.outcome = .clean
                        report.mailboxes.append(summary)
                        continue
                    }
                    if isInterrupted { try await driver.recoverInterruptedRun() }
                    try await driver.run()
                }
                summary = driver.summary
            } catch let error as CancellationError {
                throw error
            } catch {
                summary.outcome = .failed
                summary.error = "\(error)"
                options.logger.error("\(name): \(error)")
            }
            report.mailboxes.append(summary)
        }
        let elapsed = (ContinuousClock.now - started).components
        report.seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        return report
    }

    /// InterIMAP's `is_dirty`: counters unchanged on both sides since the last commit.
    private func isClean(_ id: Int64, status: PerSide<MailboxSnapshot>?) throws -> Bool {
        guard let status, let stored = try database.read({ try $0.state(mailbox: id) }) else { return false }
        return MailboxSelectionPlanner.decide(stored: stored, listed: status) == .clean
    }
}
