import IMAPClient
import IMAPCore
import NIOConcurrencyHelpers
import NIOCore
import SyncEngine

/// Reads one streamed `UID FETCH … BODY.PEEK[]` as ``OutgoingMessage``s whose bodies yield the
/// literal's chunks as they arrive: nothing is assembled, the session's FETCH stream
/// back-pressure bounds what is held. Single consumer, in order (as ``OutgoingMessageStream``
/// requires): asking for the next message skips what is left of the previous body.
final class FetchCursor: @unchecked Sendable {
    // The iterator is taken out while one `next()` runs (a second concurrent reader fails).
    private let lock = NIOLock()
    private var iterator: FetchStream.AsyncIterator?
    /// Which message's body may read now (an older body stream ends at once).
    private var generation = 0
    private var inBody = false

    init(_ stream: FetchStream) { iterator = stream.makeAsyncIterator() }

    /// The next message with a body, or nil after the FETCH's OK.
    func nextMessage() async throws -> OutgoingMessage? {
        var summary: MessageSummary?
        while let part = try await nextPart() {
            switch part {
            case .messageStart(_, let uid):
                summary = uid.map { MessageSummary(uid: $0, flags: .empty, modSeq: 0, size: 0) }
                lock.withLock { inBody = false }
            case .attribute(let attribute):
                if case .uid(let uid) = attribute, summary == nil {
                    summary = MessageSummary(uid: uid, flags: .empty, modSeq: 0, size: 0)
                }
                summary?.apply(attribute)
            case .bodyStart(let section, _, let size) where section.isEmpty:
                guard var message = summary else { continue }
                if message.size == 0 { message.size = size }
                let current: Int = lock.withLock {
                    generation += 1
                    inBody = true
                    return generation
                }
                let uid = message.uid
                let chunks = AsyncThrowingStream<ByteBuffer, any Error>(unfolding: { [self] in
                    try await self.nextChunk(of: current, uid: uid, announced: size)
                })
                return OutgoingMessage(summary: message, body: MessageBody(byteCount: size, chunks: chunks))
            case .bodyStart, .bodyChunk, .bodyEnd, .messageEnd:
                continue  // another section, or what the consumer left of the previous body
            }
        }
        return nil
    }

    private func nextChunk(of body: Int, uid: UID, announced: Int) async throws -> ByteBuffer? {
        guard lock.withLock({ generation == body && inBody }) else { return nil }
        guard let part = try await nextPart() else {
            throw IMAPEndpointError.unexpectedResponse("the FETCH ended inside the body of UID \(uid)")
        }
        switch part {
        case .bodyChunk(let bytes):
            return bytes
        case .bodyEnd:
            lock.withLock { inBody = false }
            return nil
        default:
            throw IMAPEndpointError.unexpectedResponse("FETCH data inside the body of UID \(uid)")
        }
    }

    private func nextPart() async throws -> FetchPart? {
        let taken: FetchStream.AsyncIterator? = lock.withLock {
            defer { iterator = nil }
            return iterator
        }
        guard var base = taken else {
            throw IMAPEndpointError.unexpectedResponse("a FETCH stream was read by two consumers at once")
        }
        do {
            let part = try await base.next()
            lock.withLock { iterator = base }
            return part
        } catch {
            lock.withLock { iterator = base }
            throw error
        }
    }
}

extension MessageSummary {
    mutating func apply(_ attribute: FetchAttribute) {
        switch attribute {
        case .flags(let flags): self.flags = FlagList(wire: flags)
        case .modSeq(let modSeq): self.modSeq = modSeq.rawValue
        case .rfc822Size(let size): self.size = size
        case .internalDate(let date): internalDate = MessageDate(date)
        default: break
        }
    }
}
