import Foundation
import IMAPClient
import IMAPCore
import SyncEngine
import SyncIMAP

/// `--watch` between two runs: sleep, or with `--notify` wait on the servers for a change
/// (IDLE on INBOX on every side that advertises it, the first change on either side ends the
/// wait), never longer than the watch interval (a NOOP-like wake-up keeps the sessions alive).
struct SyncWaiter: Sendable {
    let endpoints: PerSide<IMAPMailboxEndpoint>
    let notify: Bool
    let seconds: Int?

    func wait() async throws {
        guard let seconds else { return }
        let endpoints = self.endpoints
        let idling = Side.allCases.filter { endpoints[$0].session.hasCapability(.idle) }
        guard notify, !idling.isEmpty else {
            try await Task.sleep(for: .seconds(seconds))
            return
        }
        for side in idling { _ = try await endpoints[side].select(.inbox, since: nil) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var handles: [IdleHandle] = []
            for side in idling {
                let handle = endpoints[side].session.idle(deadline: .seconds(seconds), endOnFirstEvent: true)
                handles.append(handle)
                group.addTask { _ = try await handle.value }
            }
            // The first side to see a change (or the deadline) ends every wait.
            try await group.next()
            for handle in handles { handle.end() }
            try await group.waitForAll()
        }
    }
}
