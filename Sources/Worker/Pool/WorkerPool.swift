import Foundation
import Logging

/// Executes `PoolStateMachine`'s actions: runs jobs in a task group (`run()`), sends their events,
/// keeps the counters and the running jobs' progress for status.
public actor WorkerPool {
    public typealias Machine = PoolStateMachine<OrderTicket>

    private enum Command: Sendable {
        case start(Machine.Run)
        case cancelAll
    }

    public nonisolated let events: EventFactory
    public nonisolated let version: String
    private let parser: OrderParser
    private let runner: JobRunner
    private let logger: Logger
    private let progressInterval: Duration
    private let metrics = WorkerMetrics()
    private var machine: Machine
    private let commands: AsyncStream<Command>
    private let commandSink: AsyncStream<Command>.Continuation
    private var drainWaiters: [CheckedContinuation<Void, Never>] = []
    private var drained = false
    private var running: [Machine.RunID: WorkerStatus.RunningJob] = [:]
    private var counts = WorkerStatus.Counts()
    private var transports: [String: WorkerStatus.Transport] = [:]
    private let background: BackgroundStatus?
    private let startedAt = Date()
    private let clockStart = ContinuousClock.now

    /// `background`: the scheduler's and push connections' state, shown in `status` when given.
    public init(configuration: WorkerConfigurationView, runner: JobRunner, logger: Logger, version: String,
                background: BackgroundStatus? = nil) {
        events = EventFactory(worker: configuration.workerID)
        parser = OrderParser(maxBytes: configuration.maxOrderBytes)
        machine = Machine(capacity: configuration.workers, queueLimit: configuration.queueLimit)
        progressInterval = .seconds(configuration.progressIntervalSeconds)
        self.runner = runner
        self.logger = logger
        self.version = version
        self.background = background
        (commands, commandSink) = AsyncStream.makeStream(of: Command.self)
    }

    /// Runs the jobs until `drain` has finished. Call once, in its own task.
    public func run() async {
        await withDiscardingTaskGroup { group in
            for await command in commands {
                switch command {
                case .start(let run):
                    group.addTask { await self.execute(run) }
                case .cancelAll:
                    group.cancelAll()
                }
            }
        }
    }

    // MARK: - Intake side

    /// One order document as delivered by a bus.
    public func submit(_ payload: [UInt8], source: String, replier: any OrderReplier) async {
        switch parser.parse(payload) {
        case .failure(let rejection):
            counts.rejected += 1
            metrics.rejected()
            logger.notice("order rejected", metadata: ["source": "\(source)", "reason": "\(rejection.reason)",
                                                       "order_id": "\(rejection.orderID ?? "-")"])
            await replier.reject(events.rejected(rejection))
        case .success(let order):
            await submit(OrderTicket(order: order, replier: replier, source: source))
        }
    }

    public func submit(_ ticket: OrderTicket) async {
        let order = ticket.order
        metrics.received(order.kind.rawValue)
        logger.info("order received", metadata: ["order_id": "\(order.orderID)", "order": "\(order.kind.rawValue)",
                                                 "source": "\(ticket.source)"])
        switch order.kind {
        case .status:
            var event = events.event(.status, for: ticket)
            event.status = status()
            await ticket.replier.finish(event)
            return
        default:
            break
        }
        await perform(machine.orderArrived(ticket, key: order.accountKey, signature: order.coalescingSignature))
    }

    public func setTransport(_ name: String, state: String, detail: String? = nil) {
        transports[name] = WorkerStatus.Transport(name: name, state: state, detail: detail)
    }

    public func status() -> WorkerStatus {
        WorkerStatus(worker: events.worker, version: version, startedAt: startedAt,
                     uptimeSeconds: ((ContinuousClock.now - clockStart) / .milliseconds(1)).rounded() / 1000,
                     workers: machine.capacity, transports: transports.values.sorted { $0.name < $1.name },
                     running: running.values.sorted { $0.startedAt < $1.startedAt }, queueDepth: machine.waitingCount,
                     maxConcurrent: machine.peakRunning, counts: counts, scheduler: background?.scheduler,
                     push: background?.push)
    }

    // MARK: - Shutdown

    /// Takes no more orders; lets running and waiting runs finish within `grace`, then cancels
    /// what is left (those orders get `failed`/`busy`) and waits for the cancelled jobs to end.
    public func drain(grace: Duration) async {
        await perform(machine.beginDrain())
        let timer = Task {
            try await Task.sleep(for: grace)
            await self.graceExpired()
        }
        await waitDrained()
        timer.cancel()
        commandSink.finish()
    }

    private func graceExpired() async {
        guard !drained else { return }
        logger.warning("shutdown grace period over: cancelling running jobs", metadata: ["running": "\(running.count)"])
        for ticket in machine.abandonWaiting() { await ticket.replier.release() }
        commandSink.yield(.cancelAll)
        if machine.runningCount == 0 { markDrained() }
    }

    private func waitDrained() async {
        if drained { return }
        await withCheckedContinuation { drainWaiters.append($0) }
    }

    private func markDrained() {
        drained = true
        for waiter in drainWaiters { waiter.resume() }
        drainWaiters.removeAll()
    }

    // MARK: - Actions

    private func perform(_ actions: [Machine.Action]) async {
        for action in actions {
            switch action {
            case .start(let run):
                guard let head = run.items.first else { break }
                running[run.id] = WorkerStatus.RunningJob(orderID: head.order.orderID, order: head.order.kind.rawValue,
                                                          identity: head.order.accountKey, startedAt: Date())
                if head.order.kind == .test {
                    startNoWork(run)  // publishes its `accepted` itself, just before the answer
                } else {
                    // A run starts either at once (its order is accepted now) or after waiting (accepted before).
                    if run.startedOnArrival { await head.replier.publish(events.event(.accepted, for: head)) }
                    commandSink.yield(.start(run))
                }
            case .queued(let ticket, _), .coalesced(let ticket, _):
                await ticket.replier.publish(events.event(.accepted, for: ticket))
            case .refuseBusy(let ticket, let reason):
                counts.failed += 1
                metrics.finished(ticket.order.kind.rawValue, code: ErrorCode.busy.rawValue, seconds: nil)
                await ticket.replier.finish(events.failed(ticket, JobFailure(.busy, reason)))
            case .giveBack(let ticket):
                await ticket.replier.release()
            case .drained:
                markDrained()
            }
        }
        metrics.levels(running: machine.runningCount, waiting: machine.waitingCount)
    }

    // MARK: - One run

    private nonisolated func execute(_ run: Machine.Run) async {
        guard let head = run.items.first else { return }
        let startedAt = Date()
        let outcome = await supervised(run, head)
        await settle(run, outcome: outcome, startedAt: startedAt)
    }

    /// A `test` run does no work (no progress, no claim to keep, no time limit), so it skips the
    /// run loop, a task-group child and the hop back to the actor to count: it is counted here
    /// and answered from one detached task, on the replier's preferred executor (the NATS
    /// connection's event loop: no thread is woken between the order and its answer). That task
    /// publishes the `accepted` event too, right before the final one: on the event loop both
    /// and the confirming PING leave in one write. Each hop or write cost tens of µs of the
    /// order's round trip (issue 10). Shutdown needs no cancellation for it: it ends by itself,
    /// and `drain` waits for it through the machine (`finished`).
    private func startNoWork(_ run: Machine.Run) {
        let outcome = JobOutcome(result: .success(JobResult()), attempts: 1, stats: JobStats())
        let startedAt = Date()
        count(run, outcome: outcome, seconds: 0)
        Task.detached(executorPreference: run.items.first?.replier.preferredTaskExecutor) {
            if run.startedOnArrival, let head = run.items.first {
                await head.replier.publish(self.events.event(.accepted, for: head, at: startedAt))
            }
            await self.answer(run, outcome: outcome, startedAt: startedAt, finishedAt: startedAt)
        }
    }

    /// Runs the head's job with its progress forwarder and its keep-alive loop beside it.
    private nonisolated func supervised(_ run: Machine.Run, _ head: OrderTicket) async -> JobOutcome {
        let (updates, sink) = AsyncStream.makeStream(of: JobProgress.self, bufferingPolicy: .bufferingNewest(1))
        return await withTaskGroup(of: JobOutcome?.self) { group in
            group.addTask {
                await self.forwardProgress(updates, run: run)
                return nil
            }
            group.addTask {
                await Self.keepAlive(run.items)
                return nil
            }
            group.addTask {
                let outcome = await self.runner.execute(head.order) { sink.yield($0) }
                sink.finish()
                return outcome
            }
            var outcome: JobOutcome?
            for await result in group where result != nil {
                outcome = result
                group.cancelAll()  // the keep-alive loop; progress ends with its stream
            }
            return outcome ?? JobOutcome(result: .failure(JobFailure(.internal, "no outcome")), attempts: 0, stats: JobStats())
        }
    }

    /// Sends the run's final events (or gives its orders back when cancelled at shutdown).
    private nonisolated func settle(_ run: Machine.Run, outcome: JobOutcome, startedAt: Date) async {
        guard let head = run.items.first else { return }
        if Task.isCancelled {
            // Cancelled at the end of the shutdown grace period: back to the bus, not answered.
            for ticket in run.items { await ticket.replier.release() }
            await finished(run)
            return
        }
        let finishedAt = Date()
        if let reason = outcome.deactivation {
            logger.warning("identity deactivated", metadata: ["identity": "\(head.order.identityID?.uuidString.lowercased() ?? "-")",
                                                              "reason": "\(reason)"])
            var event = events.event(.identityDeactivated, for: head, at: finishedAt)
            event.reason = reason
            await head.replier.publish(event)
        }
        // Counted before the answers: a status asked after an answer sees it.
        await count(run, outcome: outcome, seconds: finishedAt.timeIntervalSince(startedAt))
        await answer(run, outcome: outcome, startedAt: startedAt, finishedAt: finishedAt)
    }

    /// Every order of the run gets its final event; then the run's identity is free.
    private nonisolated func answer(_ run: Machine.Run, outcome: JobOutcome, startedAt: Date, finishedAt: Date) async {
        for ticket in run.items {
            await ticket.replier.finish(events.final(ticket, outcome: outcome, run: run.items, startedAt: startedAt,
                                                     finishedAt: finishedAt))
        }
        await finished(run)
    }

    /// Refreshes the orders' claims while the job runs (ended by cancellation).
    private static func keepAlive(_ tickets: [OrderTicket]) async {
        while (try? await Task.sleep(for: .seconds(10))) != nil {
            for ticket in tickets { await ticket.replier.keepAlive() }
        }
    }

    /// At most one `progress` event per interval; the last state is always kept for status.
    private nonisolated func forwardProgress(_ updates: AsyncStream<JobProgress>, run: Machine.Run) async {
        var last: ContinuousClock.Instant?
        for await progress in updates {
            await record(progress, run: run.id)
            let now = ContinuousClock.now
            if let last, now - last < progressInterval { continue }
            last = now
            for ticket in run.items {
                var event = events.event(.progress, for: ticket)
                event.progress = progress
                await ticket.replier.publish(event)
            }
        }
    }

    private func record(_ progress: JobProgress, run: Machine.RunID) {
        running[run]?.progress = progress
    }

    private func count(_ run: Machine.Run, outcome: JobOutcome, seconds: Double) {
        let kind = run.items.first?.order.kind.rawValue ?? "?"
        for _ in run.items {
            metrics.finished(kind, code: outcome.result.failureCode, seconds: seconds)
        }
        switch outcome.result {
        case .success: counts.completed += run.items.count
        case .failure(let failure):
            counts.failed += run.items.count
            logger.warning("job failed", metadata: ["order_id": "\(run.items.first?.order.orderID ?? "-")",
                                                    "code": "\(failure.code.rawValue)", "error": "\(failure.message)"])
        }
    }

    private func finished(_ run: Machine.Run) async {
        running[run.id] = nil
        await perform(machine.runFinished(run.id))
    }
}

extension Result<JobResult, JobFailure> {
    var failureCode: String? {
        if case .failure(let failure) = self { failure.code.rawValue } else { nil }
    }
}

/// The configuration values the pool needs, resolved (worker id filled in).
public struct WorkerConfigurationView: Sendable {
    public var workerID: String
    public var workers: Int
    public var queueLimit: Int
    public var maxOrderBytes: Int
    public var progressIntervalSeconds: Int

    public init(workerID: String, workers: Int, queueLimit: Int, maxOrderBytes: Int, progressIntervalSeconds: Int) {
        self.workerID = workerID
        self.workers = workers
        self.queueLimit = queueLimit
        self.maxOrderBytes = maxOrderBytes
        self.progressIntervalSeconds = progressIntervalSeconds
    }
}
