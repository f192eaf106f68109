import IMAPCore

/// Streams messages from one endpoint into an append on the other: each body goes from the
/// FETCH literal to the APPEND literal chunk by chunk, one message at a time, so memory holds
/// one chunk whatever the batch size.
enum MessageCopier {
    struct Copied: Sendable {
        var pairs: [UIDPair]
        var bytes: Int
    }

    /// Copies `uids` (one append batch) from `source` to `source.other` and returns the pairs
    /// to record. `onMessage(bytes)` is called as each message starts its way across.
    static func copy(_ uids: [UID], from source: Side, in session: SyncSession,
                     onMessage: @escaping @Sendable (Int) -> Void) async throws -> Copied {
        guard let set = UIDSet(uids: uids) else { return Copied(pairs: [], bytes: 0) }
        // A checkpoint per message: a kill there leaves a MULTIAPPEND half sent.
        let tap = StreamTap(session.endpoints[source].fetchMessages(set)) { bytes in
            onMessage(bytes)
            session.checkpoint("stream message")
        }
        let batch = AppendBatch(count: uids.count, messages: AsyncThrowingStream(unfolding: { try await tap.next() }))
        let result = try await session.endpoints[source.other].append(batch)
        let sent = tap.sent
        return Copied(pairs: try ReplicationPlanner.pairs(source: source, sent: sent, assigned: result.assignedUIDs),
                      bytes: tap.bytes)
    }
}

/// Forwards a fetch stream to an append and notes which messages went through (a message
/// expunged meanwhile is simply absent). Only the append's single consumer calls ``next()``,
/// one call at a time, which is what makes the unsynchronised state safe.
private final class StreamTap: @unchecked Sendable {
    private var iterator: OutgoingMessageStream.AsyncIterator
    private let onMessage: @Sendable (Int) -> Void
    private(set) var sent: [UID] = []
    private(set) var bytes = 0

    init(_ stream: OutgoingMessageStream, onMessage: @escaping @Sendable (Int) -> Void) {
        iterator = stream.makeAsyncIterator()
        self.onMessage = onMessage
    }

    func next() async throws -> OutgoingMessage? {
        guard let message = try await iterator.next() else { return nil }
        sent.append(message.summary.uid)
        bytes += message.body.byteCount
        onMessage(message.body.byteCount)
        return message
    }
}
