import IMAPCore
import MailStore
import NIOCore
import SyncEngine
import Synchronization

/// The pull side of `fetchMessages`: lists the messages on the first call, then hands them out in
/// UID order, each with a body that reads its bytes from the store one chunk at a time as it is
/// consumed (never the whole message at once).
final class MessageCursor: Sendable {
    private struct State {
        var records: [MessageRecord]?
        var next = 0
    }

    private let store: MailStore
    private let mailboxID: Int64?
    private let ranges: [ClosedRange<UInt32>]
    private let chunkSize: Int
    private let state = Mutex(State())

    init(store: MailStore, mailboxID: Int64?, ranges: [ClosedRange<UInt32>], chunkSize: Int) {
        self.store = store
        self.mailboxID = mailboxID
        self.ranges = ranges
        self.chunkSize = chunkSize
    }

    func next() async throws -> OutgoingMessage? {
        guard let mailboxID else { throw MailboxEndpointError.noMailboxSelected }
        if state.withLock({ $0.records == nil }) {
            let records = try await store.messageRecords(mailboxID: mailboxID, uids: ranges)
            state.withLock { if $0.records == nil { $0.records = records } }
        }
        guard let record = state.withLock({ state -> MessageRecord? in
            guard let records = state.records, state.next < records.count else { return nil }
            defer { state.next += 1 }
            return records[state.next]
        }), let uid = UID(record.uid) else { return nil }
        let summary = MessageSummary(uid: uid, flags: StoreMailboxEndpoint.flagList(record.flags),
                                     modSeq: StoreMailboxEndpoint.modSeq(record.modSeq), size: record.size,
                                     internalDate: MessageDate(secondsSince1970: record.internalDate,
                                                               zoneOffsetMinutes: record.internalDateOffset),
                                     contentHash: StoreMailboxEndpoint.contentHash(record.sha256))
        let reader = BodyReader(store: store, bodyID: record.bodyID, uid: uid, size: record.size, chunkSize: chunkSize)
        let chunks = AsyncThrowingStream<ByteBuffer, any Error>(unfolding: { try await reader.next() })
        return OutgoingMessage(summary: summary, body: MessageBody(byteCount: record.size, chunks: chunks))
    }
}

/// One body's bytes, chunk by chunk. The body was freed meanwhile (its last message expunged by
/// another writer): the stream fails with `bodySizeMismatch`, so the receiver commits nothing of it.
private final class BodyReader: Sendable {
    private let store: MailStore
    private let bodyID: Int64
    private let uid: UID
    private let size: Int
    private let chunkSize: Int
    private let offset = Mutex(0)

    init(store: MailStore, bodyID: Int64, uid: UID, size: Int, chunkSize: Int) {
        self.store = store
        self.bodyID = bodyID
        self.uid = uid
        self.size = size
        self.chunkSize = chunkSize
    }

    func next() async throws -> ByteBuffer? {
        let start = offset.withLock { $0 }
        guard start < size else { return nil }
        let bytes = try await store.readBody(id: bodyID, offset: start, length: min(chunkSize, size - start)) ?? []
        guard !bytes.isEmpty else {
            throw MailboxEndpointError.bodySizeMismatch(uid: uid, announced: size, received: start)
        }
        offset.withLock { $0 = start + bytes.count }
        return ByteBuffer(bytes: bytes)
    }
}
