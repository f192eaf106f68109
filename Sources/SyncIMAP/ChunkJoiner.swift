import NIOCore
import SyncEngine

extension MessageBody {
    /// The same bytes in chunks of `limit` bytes (the last one shorter): a FETCH literal comes
    /// in network-read-sized pieces (a TLS record, an inflated block), and each chunk costs an
    /// APPEND a hop to its event loop and a write; one copy of the bytes is much cheaper. (The
    /// store's append keeps the pieces as they are: for it the copy would be pure cost.)
    /// A body that ends short or throws does so here too, so the append still refuses it.
    func joined(upTo limit: Int) -> MessageBody {
        let joiner = ChunkJoiner(self, limit: limit)
        return MessageBody(byteCount: byteCount, chunks: AsyncThrowingStream(unfolding: { try await joiner.next() }))
    }
}

/// Reads a body's chunks into buffers of up to `limit` bytes. Single consumer, one call at a
/// time (an append reads a body in order), which makes the unsynchronised state safe.
private final class ChunkJoiner: @unchecked Sendable {
    private var iterator: MessageBody.AsyncIterator
    private let limit: Int
    private var remaining: Int
    private var ended = false

    init(_ body: MessageBody, limit: Int) {
        iterator = body.makeAsyncIterator()
        self.limit = max(1, limit)
        remaining = body.byteCount
    }

    func next() async throws -> ByteBuffer? {
        guard !ended else { return nil }
        var joined = ByteBufferAllocator().buffer(capacity: min(limit, max(remaining, 0)))
        while joined.readableBytes < limit {
            guard let chunk = try await iterator.next() else {
                ended = true
                break
            }
            joined.writeImmutableBuffer(chunk)
        }
        remaining -= joined.readableBytes
        return joined.readableBytes > 0 || !ended ? joined : nil
    }
}
