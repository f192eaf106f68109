import Foundation
import IMAPCore
import Synchronization

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
    /// More connections for mailboxes side by side (nil: one mailbox at a time, as interimap).
    public let lanes: (any SyncLaneOpener)?

    public init(endpoints: PerSide<any MailboxEndpoint>, database: SyncStateDatabase, selection: SyncSelection = SyncSelection(),
                options: SyncRunOptions = SyncRunOptions(), lanes: (any SyncLaneOpener)? = nil) {
        self.endpoints = endpoints
        self.database = database
        self.selection = selection
        self.options = options
        self.lanes = lanes
    }

    /// One synchronisation of every selected mailbox. A mailbox that fails (NOMODSEQ, a server
    /// refusal) is reported in its summary and the others go on; what stops the whole run
    /// (a missing capability, a mailbox deleted on one side) is thrown.
    public func run() async throws -> SyncReport {
        try await synchronise(repairing: false, listings: nil)
    }

    /// The same with both sides' listings already made, with ``SyncSelection/firstListRequest(for:)``
    /// (a caller that looked at them first, e.g. for renames: the run does not list again).
    public func run(listings: PerSide<MailboxListing>) async throws -> SyncReport {
        try await synchronise(repairing: false, listings: listings)
    }

    /// `--repair [MAILBOX…]`: a full comparison of each known mailbox, fixes, then a sync.
    public func repair() async throws -> SyncReport {
        try await synchronise(repairing: true, listings: nil)
    }

    private func synchronise(repairing: Bool, listings: PerSide<MailboxListing>?) async throws -> SyncReport {
        let started = ContinuousClock.now
        var session = SyncSession(endpoints: endpoints, database: database, options: options)
        let listed = if let listings {
            try await session.checkCapabilities(andRecord: listings, selection)
        } else {
            try await session.checkCapabilitiesAndList(selection)
        }
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
        var committed: [StoredMailboxName: PerSide<SideState>?] = [:]
        for (name, record) in records { committed[name] = try database.read { try $0.state(mailbox: record.id) } }
        // The mailboxes the listing already shows need work (a move found below only adds
        // work to mailboxes that have changed anyway) decide how many lanes are worth opening;
        // they start connecting now, while move detection runs and clean mailboxes are settled.
        let newMail = plan.mailboxes.compactMap { name -> Int? in
            guard let record = records[name] else { return nil }
            let status = listed.status(of: name)
            let state = committed[name] ?? nil
            if !repairing, !interrupted.contains(record.id), let status, let state,
               MailboxSelectionPlanner.decide(stored: state, listed: status) == .clean { return nil }
            return Self.newMail(listed: status, committed: repairing ? nil : state)
        }
        var report = SyncReport()
        var settled: [StoredMailboxName: SyncSummary] = [:]
        let extra = LaneBudget.lanes(newMail: newMail, maxLanes: lanes?.maxLanes ?? 1) - 1
        let done = try await synchronise(extra: extra, on: session, repairing: repairing) {
            var moves = MoveDetector.Outcome()
            if !repairing, interrupted.isEmpty {
                let boxes = plan.mailboxes.compactMap { name -> (name: StoredMailboxName, record: StoredMailbox, state: PerSide<SideState>?)? in
                    guard let record = records[name] else { return nil }
                    return (name, record, committed[name] ?? nil)
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
            // Clean mailboxes are settled here, the others synchronised.
            var work: [MailboxWork] = []
            for name in plan.mailboxes {
                var summary = summaries[name] ?? SyncSummary(mailbox: name.description)
                guard let record = records[name] else { continue }  // repair: not in the database
                if let moved = moves.moved[name] { summary.moved = moved }
                let isInterrupted = interrupted.contains(record.id)
                let status = listed.status(of: name)
                let state = committed[name] ?? nil
                if !repairing, !isInterrupted, moves.movedAway[name] == nil, let status, let state,
                   MailboxSelectionPlanner.decide(stored: state, listed: status) == .clean {
                    summary.outcome = .clean
                    settled[name] = summary
                    continue
                }
                let newMail = Self.newMail(listed: status, committed: state)
                let size = status.map { listed in Side.allCases.map { Int(listed[$0].uidNext) }.max() ?? 0 } ?? 0
                work.append(MailboxWork(name: name, record: record, summary: summary, interrupted: isInterrupted,
                                        movedAway: moves.movedAway[name], newMail: newMail, size: size))
            }
            return work
        }
        for summary in done { settled[summary.name] = summary.summary }
        report.mailboxes += plan.mailboxes.compactMap { settled[$0] }
        let elapsed = (ContinuousClock.now - started).components
        report.seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        return report
    }

    /// New UIDs on both sides since the last commit (all of them without one).
    private static func newMail(listed: PerSide<MailboxSnapshot>?, committed: PerSide<SideState>?) -> Int {
        guard let listed else { return 0 }
        return Side.allCases.reduce(0) { sum, side in
            sum + max(0, Int(listed[side].uidNext) - Int(committed?[side].uidNext ?? 1))
        }
    }

    /// Runs each mailbox's synchronisation: one after another on the run's own endpoints, or
    /// side by side on `extra` more lanes that ``lanes`` opens. They start connecting at once,
    /// while `prepare` finds the work (move detection, settling the clean mailboxes), and take
    /// mailboxes from the queue as soon as it is filled.
    private func synchronise(extra: Int, on session: SyncSession, repairing: Bool,
                             prepare: () async throws -> [MailboxWork])
        async throws -> [(name: StoredMailboxName, summary: SyncSummary)]
    {
        let queue = LaneQueue<MailboxWork>()
        let results = Mutex<[(name: StoredMailboxName, summary: SyncSummary)]>([])
        let logger = options.logger
        let drain: @Sendable (SyncSession, Int) async throws -> Void = { session, number in
            while let item = await queue.next() {
                if extra > 0 { logger.debug("\(item.name): connection \(number)") }
                let summary = try await synchronise(item, on: session, repairing: repairing)
                results.withLock { $0.append((item.name, summary)) }
            }
        }
        guard let lanes, extra > 0 else {
            queue.fill(try await prepare())
            try await drain(session, 1)
            return results.withLock { $0 }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for number in 2...(extra + 1) {
                group.addTask {
                    do {
                        try await lanes.withLane(number: number) { endpoints in
                            try await drain(session.onLane(endpoints), number)
                        }
                    } catch let error as CancellationError {
                        throw error
                    } catch {
                        // A server refusing more connections (or any error of the lane itself)
                        // leaves its mailboxes to the others; a mailbox's own failure never gets
                        // here (it is in its summary).
                        logger.warning("connection \(number) could not be used (\(error)): fewer mailboxes at once")
                    }
                }
            }
            let work: [MailboxWork]
            do {
                work = try await prepare()
            } catch {
                queue.fill([])  // the lanes close
                throw error
            }
            // The longest first: the most new mail (a first sync's biggest mailbox must not
            // start last), then the biggest mailbox (an incremental's flag changes and expunges
            // are spread over the messages, and its SELECT costs the server most).
            queue.fill(work.enumerated().sorted { a, b in
                (a.element.newMail, a.element.size, -a.offset) > (b.element.newMail, b.element.size, -b.offset)
            }.map(\.element))
            try await drain(session, 1)
            try await group.waitForAll()
        }
        return results.withLock { $0 }
    }

    /// One mailbox: interrupted-run recovery, the engine loop (or `--repair`), its summary. A
    /// failure of the mailbox (NOMODSEQ, a server refusal) is in the summary; only cancellation
    /// is thrown.
    private func synchronise(_ item: MailboxWork, on session: SyncSession, repairing: Bool) async throws -> SyncSummary {
        var summary = item.summary
        do {
            var driver = try MailboxSyncDriver(session: session, id: item.record.id, name: item.name, summary: summary)
            if let away = item.movedAway { driver.ownExpunges = away }
            if repairing {
                try await driver.repair()
            } else {
                if item.interrupted { try await driver.recoverInterruptedRun() }
                try await driver.run()
            }
            summary = driver.summary
        } catch let error as CancellationError {
            throw error
        } catch {
            summary.outcome = .failed
            summary.error = "\(error)"
            options.logger.error("\(item.name): \(error)")
        }
        return summary
    }
}

/// A mailbox that needs a synchronisation, as the runner hands it to a lane.
private struct MailboxWork: Sendable {
    let name: StoredMailboxName
    let record: StoredMailbox
    let summary: SyncSummary
    let interrupted: Bool
    let movedAway: PerSide<UIDSet?>?
    /// New UIDs on both sides since the last commit: the most go first.
    let newMail: Int
    /// The larger UIDNEXT of the two sides (the mailbox's size, cheaply): the next criterion.
    let size: Int
}
