/// The pool's decisions, pure: which orders run now, which wait, which are merged into a run
/// that is already waiting, and when the pool has drained. Events in, actions out; the runner
/// (`WorkerPool`) only executes the actions.
///
/// Rules: at most `capacity` runs at a time; two runs with the same account key never at the
/// same time; an order whose coalescing signature matches a run still waiting for that account
/// joins it (so N orders arriving while one runs give exactly one more run); beyond
/// `queueLimit` waiting runs new orders are refused as busy; once draining they are given back.
public struct PoolStateMachine<Item: Sendable>: Sendable {
    public typealias RunID = Int

    public struct Run: Sendable {
        public let id: RunID
        public let key: String?
        public let signature: String?
        public var items: [Item]
        /// Started the moment its first order arrived (it never waited).
        public fileprivate(set) var startedOnArrival = false
    }

    public enum Action: Sendable {
        case start(Run)
        /// `item` joined the waiting run `into` (its final event will be that run's).
        case coalesced(Item, into: RunID)
        /// `item` waits in run `RunID` for a slot or its account.
        case queued(Item, RunID)
        case refuseBusy(Item, reason: String)
        /// Draining: `item` goes back to the bus untouched (another worker may take it).
        case giveBack(Item)
        /// Draining and nothing left: the runner may stop.
        case drained
    }

    public let capacity: Int
    public let queueLimit: Int
    private(set) var running: [RunID: Run] = [:]
    private(set) var waiting: [Run] = []
    private var busyKeys: Set<String> = []
    private var nextID: RunID = 1
    public private(set) var draining = false
    /// The most runs seen at the same time.
    public private(set) var peakRunning = 0

    public init(capacity: Int, queueLimit: Int) {
        precondition(capacity > 0 && queueLimit > 0, "checked by the configuration")
        self.capacity = capacity
        self.queueLimit = queueLimit
    }

    public var runningCount: Int { running.count }
    public var waitingCount: Int { waiting.reduce(0) { $0 + $1.items.count } }

    public mutating func orderArrived(_ item: Item, key: String?, signature: String?) -> [Action] {
        if draining { return [.giveBack(item)] }
        if let signature, let index = waiting.lastIndex(where: { $0.key == key && $0.signature == signature }) {
            waiting[index].items.append(item)
            return [.coalesced(item, into: waiting[index].id)]
        }
        guard waiting.count < queueLimit else {
            return [.refuseBusy(item, reason: "\(waiting.count) runs are already waiting")]
        }
        var run = Run(id: nextID, key: key, signature: signature, items: [item])
        nextID += 1
        if canStart(run) {
            run.startedOnArrival = true
            return [start(run)]
        }
        waiting.append(run)
        return [.queued(item, run.id)]
    }

    public mutating func runFinished(_ id: RunID) -> [Action] {
        guard let run = running.removeValue(forKey: id) else { return [] }
        if let key = run.key { busyKeys.remove(key) }
        var actions = startWaiting()
        if draining && running.isEmpty && waiting.isEmpty { actions.append(.drained) }
        return actions
    }

    /// Stops intake; waiting runs still run (their orders were taken from the bus), then `.drained`.
    public mutating func beginDrain() -> [Action] {
        draining = true
        return running.isEmpty && waiting.isEmpty ? [.drained] : []
    }

    /// The grace period is over: waiting runs will not start. Returns their items.
    public mutating func abandonWaiting() -> [Item] {
        defer { waiting.removeAll() }
        return waiting.flatMap(\.items)
    }

    private func canStart(_ run: Run) -> Bool {
        running.count < capacity && !(run.key.map(busyKeys.contains) ?? false)
    }

    private mutating func start(_ run: Run) -> Action {
        running[run.id] = run
        if let key = run.key { busyKeys.insert(key) }
        peakRunning = max(peakRunning, running.count)
        return .start(run)
    }

    /// First come, first served, skipping runs whose account is busy.
    private mutating func startWaiting() -> [Action] {
        var actions: [Action] = []
        var index = 0
        while index < waiting.count && running.count < capacity {
            if canStart(waiting[index]) {
                actions.append(start(waiting.remove(at: index)))
            } else {
                index += 1
            }
        }
        return actions
    }
}
