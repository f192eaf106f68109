import Foundation

/// Which background syncs (scheduled or push-triggered) may start, pure: at most `limit` in
/// flight, never two for one identity, push requests merged per identity and served before
/// due identities (new mail is what a user waits for). The scheduler only executes its answers.
public struct BackgroundSyncState: Sendable {
    public enum Trigger: String, Sendable { case schedule, push }

    public struct Start: Sendable, Hashable {
        public var identity: UUID
        public var userID: String
        public var trigger: Trigger
    }

    public let limit: Int
    public private(set) var inFlight: [UUID: Trigger] = [:]
    /// Push requests not started yet, oldest first, one per identity.
    private var pushPending: [(id: UUID, userID: String)] = []

    public init(limit: Int) {
        self.limit = max(1, limit)
    }

    public var free: Int { max(0, limit - inFlight.count) }
    public var hasPendingPush: Bool { !pushPending.isEmpty }
    public var pendingPushCount: Int { pushPending.count }

    /// New mail for `id`: one sync after whatever runs now (requests merge until it starts).
    public mutating func pushArrived(_ id: UUID, userID: String) {
        if !pushPending.contains(where: { $0.id == id }) { pushPending.append((id, userID)) }
    }

    /// The pending push syncs that may start now (their identity has none in flight).
    public mutating func startPush() -> [Start] {
        var starts: [Start] = []
        var index = 0
        while index < pushPending.count && inFlight.count < limit {
            let pending = pushPending[index]
            if inFlight[pending.id] == nil {
                pushPending.remove(at: index)
                inFlight[pending.id] = .push
                starts.append(Start(identity: pending.id, userID: pending.userID, trigger: .push))
            } else {
                index += 1
            }
        }
        return starts
    }

    /// Identities the store handed out as due: those without a sync in flight start (up to the
    /// limit); the others are returned as `skipped` (their run in flight serves this round).
    public mutating func startScheduled(_ due: [(id: UUID, userID: String)]) -> (starts: [Start], skipped: [UUID]) {
        var starts: [Start] = []
        var skipped: [UUID] = []
        for item in due {
            if inFlight[item.id] == nil && inFlight.count < limit {
                inFlight[item.id] = .schedule
                starts.append(Start(identity: item.id, userID: item.userID, trigger: .schedule))
            } else {
                skipped.append(item.id)
            }
        }
        return (starts, skipped)
    }

    public mutating func finished(_ id: UUID) {
        inFlight[id] = nil
    }
}
