import IMAPCore

/// Which new messages go to the other side (InterIMAP's `sync_messages`).
public struct ReplicationPlan: Hashable, Sendable {
    /// UIDs on `side` to copy to `side.other`; ``Side/replicationOrder`` says which side first.
    public var toReplicate: PerSide<UIDSet?>
    /// New UIDs that are mapped already: replicated by an interrupted run, or appended by this
    /// run (the other side's copies). Never copied again.
    public var alreadyMapped: PerSide<UIDSet?>
}

public enum ReplicationPlanner {
    /// The UIDs to ask an endpoint for: everything from the committed UIDNEXT on.
    public static func newMessageRange(uidNext: UInt32) -> UIDSet {
        UIDSet((UID(rawValue: uidNext) ?? .min)...UID.max)
    }

    /// `newUIDs`: the UIDs at or above each side's committed UIDNEXT that exist now.
    public static func plan(newUIDs: PerSide<[UID]>, mapping: UIDMapping) -> ReplicationPlan {
        var copy = PerSide<[UID]>(local: [], remote: [])
        var mapped = PerSide<[UID]>(local: [], remote: [])
        for side in Side.allCases {
            for uid in Set(newUIDs[side]).sorted() {
                if mapping.counterpart(of: uid, on: side) == nil { copy[side].append(uid) } else { mapped[side].append(uid) }
            }
        }
        return ReplicationPlan(toReplicate: copy.map { UIDSet(uids: $0) }, alreadyMapped: mapped.map { UIDSet(uids: $0) })
    }

    /// The pairs to record after appending `sent` (UIDs on `source`) and being assigned
    /// `assigned` on `source.other`; throws when the counts differ (nothing is recorded).
    public static func pairs(source: Side, sent: [UID], assigned: [UID]) throws(MailboxEndpointError) -> [UIDPair] {
        guard sent.count == assigned.count else {
            throw .appendUIDCountMismatch(sent: sent.count, assigned: assigned.count)
        }
        return zip(sent, assigned).map { UIDPair(source, $0, other: $1) }
    }
}

/// Cuts the messages to replicate into append batches, from their sizes (a cheap
/// `FETCH RFC822.SIZE` first), before any body is streamed.
public enum AppendBatchPlanner {
    public struct Batches: Hashable, Sendable {
        public var batches: [[UID]]
        /// 0-byte messages cannot be appended (RFC 3502 §6.3.11): skipped, as InterIMAP does.
        public var skippedEmpty: [UID]
    }

    /// InterIMAP's rule: close the batch before a message that would make it exceed
    /// `maxMessages`, or `maxBytes` when it already holds one.
    public static func batches(_ messages: [MessageSummary], limits: AppendBatchLimits) -> Batches {
        var result = Batches(batches: [], skippedEmpty: [])
        var current: [UID] = []
        var bytes = 0
        for message in messages.sorted(by: { $0.uid < $1.uid }) {
            guard message.size > 0 else {
                result.skippedEmpty.append(message.uid)
                continue
            }
            if !current.isEmpty, current.count >= limits.maxMessages || bytes + message.size > limits.maxBytes {
                result.batches.append(current)
                current = []
                bytes = 0
            }
            current.append(message.uid)
            bytes += message.size
        }
        if !current.isEmpty { result.batches.append(current) }
        return result
    }
}
