import Testing
@testable import SyncEngine

@Suite("Lanes: how many a run opens, and the queue they take mailboxes from")
struct LaneBudgetTests {
    @Test("lanes for the work the listing shows", arguments: [
        // (new mail of each mailbox that needs work, at most, lanes)
        ([Int](), 3, 1),                  // nothing to do: no lane
        ([0, 0, 0], 3, 1),                // an incremental of flags and expunges in 3 mailboxes
        ([0, 0, 0, 0], 3, 2),             // 4 such mailboxes: a second lane pays
        (Array(repeating: 0, count: 50), 3, 3),
        ([5000, 3195, 2000], 3, 3),       // a first sync: one mailbox per lane
        ([5000, 3195, 2000], 8, 3),       // never more lanes than mailboxes
        ([10_000], 3, 1),                 // one mailbox: one lane, however big
        ([200, 0], 3, 2),                 // a 200-message move: the copy side pays for a lane
        ([20, 0], 3, 1),
        ([5000, 3195, 2000], 1, 1),       // --connections 1
        ([-3, 0], 3, 1),                  // a UIDNEXT below the committed one counts as none
    ])
    func lanes(newMail: [Int], maxLanes: Int, expected: Int) {
        #expect(LaneBudget.lanes(newMail: newMail, maxLanes: maxLanes) == expected)
    }

    @Test("a lane that asks before the queue is filled waits for it; then each item once, then nil")
    func queueWaitsForFill() async {
        let queue = LaneQueue<Int>()
        async let first = queue.next()
        async let second = queue.next()
        try? await Task.sleep(for: .milliseconds(20))
        queue.fill([1, 2, 3])
        let taken = await [first, second].compactMap { $0 }
        #expect(taken.sorted() == [1, 2])
        #expect(await queue.next() == 3)
        #expect(await queue.next() == nil)
    }

    @Test("a lane cancelled while it waits gets nil, and the others still get the items")
    func queueCancelled() async {
        let queue = LaneQueue<Int>()
        let waiting = Task { await queue.next() }
        try? await Task.sleep(for: .milliseconds(20))
        waiting.cancel()
        #expect(await waiting.value == nil)
        queue.fill([7])
        #expect(await queue.next() == 7)
        #expect(await queue.next() == nil)
    }
}
