import Testing
@testable import Worker

/// The pool's decisions without a socket: items are strings, keys are accounts.
@Suite struct PoolStateMachineTests {
    typealias Machine = PoolStateMachine<String>

    private func started(_ actions: [Machine.Action]) -> [[String]] {
        actions.compactMap { if case .start(let run) = $0 { run.items } else { nil } }
    }

    private func startedRuns(_ actions: [Machine.Action]) -> [Machine.Run] {
        actions.compactMap { if case .start(let run) = $0 { run } else { nil } }
    }

    @Test func neverMoreThanCapacity() {
        var machine = Machine(capacity: 4, queueLimit: 100)
        var runs: [Machine.Run] = []
        for i in 0..<10 {
            runs += startedRuns(machine.orderArrived("o\(i)", key: "id\(i)", signature: "s\(i)"))
            #expect(machine.runningCount <= 4)
        }
        #expect(runs.map(\.items) == [["o0"], ["o1"], ["o2"], ["o3"]])
        #expect(machine.waitingCount == 6)
        // Finishing one starts exactly one, first come first served.
        let next = started(machine.runFinished(runs[0].id))
        #expect(next == [["o4"]])
        #expect(machine.runningCount == 4 && machine.peakRunning == 4)
    }

    @Test func oneIdentityNeverTwiceAtOnceAndArrivalsCoalesce() {
        var machine = Machine(capacity: 4, queueLimit: 100)
        let first = startedRuns(machine.orderArrived("a1", key: "alice", signature: "fetch-alice"))
        #expect(first.count == 1)
        // Three more for alice while a1 runs: one more run holding all three.
        let second = machine.orderArrived("a2", key: "alice", signature: "fetch-alice")
        guard case .queued(_, let waitingRun) = second.first else { Issue.record("not queued: \(second)"); return }
        for id in ["a3", "a4"] {
            let actions = machine.orderArrived(id, key: "alice", signature: "fetch-alice")
            guard case .coalesced(let item, into: let run) = actions.first else { Issue.record("not coalesced"); return }
            #expect(item == id && run == waitingRun)
        }
        // Another identity is not held up by alice.
        #expect(started(machine.orderArrived("b1", key: "bob", signature: "fetch-bob")) == [["b1"]])
        #expect(machine.runningCount == 2)
        let after = started(machine.runFinished(first[0].id))
        #expect(after == [["a2", "a3", "a4"]])
    }

    @Test func differentOrdersForOneIdentityQueueSeparately() {
        var machine = Machine(capacity: 4, queueLimit: 100)
        let run = startedRuns(machine.orderArrived("f1", key: "alice", signature: "fetch INBOX"))[0]
        _ = machine.orderArrived("f2", key: "alice", signature: "fetch Archive")
        _ = machine.orderArrived("f3", key: "alice", signature: "fetch INBOX")
        #expect(machine.waitingCount == 2 && machine.runningCount == 1)
        let next = startedRuns(machine.runFinished(run.id))
        #expect(next.map(\.items) == [["f2"]])  // still one at a time for alice
        #expect(started(machine.runFinished(next[0].id)) == [["f3"]])
    }

    @Test func ordersWithoutKeyNeverWaitForEachOther() {
        var machine = Machine(capacity: 2, queueLimit: 100)
        #expect(started(machine.orderArrived("t1", key: nil, signature: nil)) == [["t1"]])
        #expect(started(machine.orderArrived("t2", key: nil, signature: nil)) == [["t2"]])
        #expect(machine.orderArrived("t3", key: nil, signature: nil).count == 1 && machine.waitingCount == 1)
    }

    @Test func busyBeyondTheQueueLimit() {
        var machine = Machine(capacity: 1, queueLimit: 2)
        _ = machine.orderArrived("o1", key: "k1", signature: nil)
        _ = machine.orderArrived("o2", key: "k2", signature: nil)
        _ = machine.orderArrived("o3", key: "k3", signature: nil)
        let refused = machine.orderArrived("o4", key: "k4", signature: nil)
        guard case .refuseBusy(let item, _) = refused.first else { Issue.record("not refused: \(refused)"); return }
        #expect(item == "o4")
    }

    @Test func drainRunsWhatWasTakenThenReportsDrained() {
        var machine = Machine(capacity: 1, queueLimit: 10)
        let run = startedRuns(machine.orderArrived("o1", key: "k", signature: nil))[0]
        _ = machine.orderArrived("o2", key: "k2", signature: nil)
        #expect(machine.beginDrain().isEmpty)
        guard case .giveBack("late") = machine.orderArrived("late", key: "k3", signature: nil).first else {
            Issue.record("a late order was taken while draining"); return
        }
        let next = startedRuns(machine.runFinished(run.id))
        #expect(next.map(\.items) == [["o2"]])
        let last = machine.runFinished(next[0].id)
        guard case .drained = last.last else { Issue.record("not drained: \(last)"); return }
    }

    @Test func drainWithNothingRunningIsImmediate() {
        var machine = Machine(capacity: 3, queueLimit: 10)
        guard case .drained = machine.beginDrain().first else { Issue.record("not drained"); return }
    }

    @Test func graceOverAbandonsWaitingRuns() {
        var machine = Machine(capacity: 1, queueLimit: 10)
        let run = startedRuns(machine.orderArrived("o1", key: "k", signature: "s"))[0]
        _ = machine.orderArrived("o2", key: "k", signature: "s")
        _ = machine.orderArrived("o3", key: "k", signature: "s")
        _ = machine.beginDrain()
        #expect(machine.abandonWaiting() == ["o2", "o3"])
        guard case .drained = machine.runFinished(run.id).last else { Issue.record("not drained"); return }
    }
}

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy(maxAttempts: 4, initialBackoff: .seconds(1), maxBackoff: .seconds(3))
    let transient = JobFailure(.connectFailed, "refused", transient: true)

    @Test func exponentialWithEqualJitterAndCap() {
        #expect(policy.decide(afterAttempt: 1, failure: transient, unit: 0) == .retry(after: .milliseconds(500)))
        #expect(policy.decide(afterAttempt: 1, failure: transient, unit: 1) == .retry(after: .seconds(1)))
        #expect(policy.decide(afterAttempt: 2, failure: transient, unit: 0.5) == .retry(after: .milliseconds(1500)))
        #expect(policy.decide(afterAttempt: 3, failure: transient, unit: 1) == .retry(after: .seconds(3)))  // capped
    }

    @Test func boundedAttempts() {
        #expect(policy.decide(afterAttempt: 4, failure: transient, unit: 0.5) == .giveUp)
    }

    @Test(arguments: [ErrorCode.authFailed, .tlsFailed, .badOrder, .unknownIdentity, .internal])
    func permanentFailuresAreNotRetried(code: ErrorCode) {
        #expect(policy.decide(afterAttempt: 1, failure: JobFailure(code, "no"), unit: 0.5) == .giveUp)
    }
}
