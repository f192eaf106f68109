import Foundation
import IMAPClient
import IMAPCore
import SyncEngine
import SyncIMAP
import Synchronization

/// `--watch` between two runs: sleep, or with `--notify` wait on the servers for a change,
/// never longer than the watch interval:
/// - both servers have NOTIFY (RFC 5465): NOTIFY SET once for every personal mailbox (and the
///   selected one), then IDLE on both sides; a change in any mailbox (a STATUS, EXISTS,
///   EXPUNGE or FETCH) ends the IDLE and starts the next run;
/// - otherwise IDLE on INBOX on each side that advertises it;
/// - otherwise polling.
final class SyncWaiter: Sendable {
    let endpoints: PerSide<IMAPMailboxEndpoint>
    let notify: Bool
    let seconds: Int?
    private let notifying = Mutex(false)

    init(endpoints: PerSide<IMAPMailboxEndpoint>, notify: Bool, seconds: Int?) {
        self.endpoints = endpoints
        self.notify = notify
        self.seconds = seconds
    }

    static let notifyParameters = NotifyParameters(groups: [
        NotifyEventGroup(.selected, [.messageNew([]), .messageExpunge, .flagChange]),
        NotifyEventGroup(.personal, [.messageNew([]), .messageExpunge, .flagChange, .mailboxName, .subscriptionChange]),
    ])

    func wait() async throws {
        guard let seconds else { return }
        let endpoints = self.endpoints
        guard notify else {
            try await Task.sleep(for: .seconds(seconds))
            return
        }
        let useNotify = Side.allCases.allSatisfy { endpoints[$0].session.hasCapability(.notify) }
        let idling = Side.allCases.filter { endpoints[$0].session.hasCapability(.idle) }
        guard !idling.isEmpty else {
            try await Task.sleep(for: .seconds(seconds))
            return
        }
        if useNotify {
            if !notifying.withLock({ $0 }) {
                for side in Side.allCases { try await endpoints[side].session.notify(Self.notifyParameters).value }
                notifying.withLock { $0 = true }
            }
        } else {
            for side in idling { _ = try await endpoints[side].select(.inbox, since: nil) }
        }
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
