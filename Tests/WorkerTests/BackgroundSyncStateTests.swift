import Foundation
import Testing
@testable import Worker

/// The scheduler's decisions: bounded in flight, one sync per identity at a time, push requests
/// merged per identity and served first; the push reconnection backoff.
@Suite struct BackgroundSyncStateTests {
    let ids = (0..<6).map { _ in UUID() }

    @Test func scheduledSyncsAreBoundedAndNeverTwicePerIdentity() {
        var state = BackgroundSyncState(limit: 2)
        let first = state.startScheduled([(ids[0], "u"), (ids[1], "u"), (ids[2], "u")])
        #expect(first.starts.map(\.identity) == [ids[0], ids[1]] && first.skipped == [ids[2]])
        #expect(state.free == 0)
        state.finished(ids[0])
        let second = state.startScheduled([(ids[1], "u"), (ids[2], "u")])
        #expect(second.starts.map(\.identity) == [ids[2]] && second.skipped == [ids[1]], "ids[1] is still in flight")
        #expect(second.starts.allSatisfy { $0.trigger == .schedule })
    }

    @Test func pushRequestsMergeWaitForTheirIdentityAndComeFirst() {
        var state = BackgroundSyncState(limit: 2)
        _ = state.startScheduled([(ids[0], "u0")])
        state.pushArrived(ids[0], userID: "u0")
        state.pushArrived(ids[0], userID: "u0")
        state.pushArrived(ids[1], userID: "u1")
        state.pushArrived(ids[2], userID: "u2")
        let push = state.startPush()
        #expect(push.map(\.identity) == [ids[1]], "ids[0] waits for its run; one slot was left")
        #expect(push.first?.userID == "u1" && push.first?.trigger == .push)
        #expect(state.startScheduled([(ids[3], "u")]).starts.isEmpty)
        state.finished(ids[0])
        #expect(state.startPush().map(\.identity) == [ids[0]], "the two requests for ids[0] became one sync")
        state.finished(ids[1])
        #expect(state.startPush().map(\.identity) == [ids[2]])
        #expect(!state.hasPendingPush)
        state.finished(ids[0])
        state.finished(ids[2])
        #expect(state.startPush().isEmpty && state.free == 2)
    }

    @Test func aLimitBelowOneIsOne() {
        #expect(BackgroundSyncState(limit: 0).limit == 1)
    }

    @Test func pushBackoffDoublesWithJitterAndWaitsLongestAfterARefusedLogin() {
        let backoff = PushBackoff(initial: .seconds(1), max: .seconds(60))
        #expect(backoff.delay(afterFailures: 1, permanent: false, unit: 0) == .milliseconds(500))
        #expect(backoff.delay(afterFailures: 1, permanent: false, unit: 0.999_999) < .seconds(1))
        #expect(backoff.delay(afterFailures: 4, permanent: false, unit: 1) == .seconds(8))
        #expect(backoff.delay(afterFailures: 40, permanent: false, unit: 1) == .seconds(60))
        #expect(backoff.delay(afterFailures: 1, permanent: true, unit: 0) == .seconds(30))
    }
}
