import Foundation
import IMAPCore
import MailStore
import NIOCore
import SyncEngine
import SyncStore
import TestSupport

/// A fresh store file in a temporary directory and one user's endpoint on it.
struct EndpointFixture {
    let directory: TemporaryDirectory
    let path: String
    let store: MailStore
    let endpoint: StoreMailboxEndpoint

    init(options: MailStore.Options = .init(), chunkSize: Int = 256 << 10) throws {
        directory = try TemporaryDirectory(prefix: "syncstore-test")
        path = directory.path + "/imapworker.db"
        store = try MailStore(path: path, options: options)
        endpoint = StoreMailboxEndpoint(store: store, userID: "u1", chunkSize: chunkSize)
    }

    /// INBOX created and selected on the endpoint, holding `sampleMessage(1...count)`.
    func selectedInbox(holding count: Int = 0) async throws {
        try await endpoint.createMailbox(.inbox)
        _ = try await endpoint.select(.inbox, since: nil)
        if count > 0 { _ = try await endpoint.append(appendBatch((1...count).map { Draft(bytes: sampleMessage($0)) })) }
    }

    /// Another connection pool on the same file: what another process sees and does.
    func openAgain(_ options: MailStore.Options = .init()) throws -> MailStore {
        try MailStore(path: path, options: options)
    }
}

/// An RFC 5322 message whose bytes depend on `n`, padded to at least `size` bytes.
func sampleMessage(_ n: Int, size: Int = 0, subject: String? = nil) -> [UInt8] {
    var text = "From: Alice <alice@example.org>\r\nTo: bob@example.org\r\n"
    text += "Subject: \(subject ?? "message \(n)")\r\nMessage-ID: <\(n)@example.org>\r\n\r\nBody \(n).\r\n"
    var bytes = Array(text.utf8)
    var filler = UInt8(truncatingIfNeeded: n)
    while bytes.count < size {
        bytes.append(0x41 + filler % 26)
        filler &+= 7
        if bytes.count % 76 == 0 { bytes += [13, 10] }
    }
    return bytes
}

struct Draft {
    var bytes: [UInt8]
    var flags: FlagList = []
    var date: Int64 = 1_700_000_000
    var zone = 60
}

/// An append batch of in-memory messages, as the engine hands over a FETCH from the other side.
func appendBatch(_ drafts: [Draft]) -> AppendBatch {
    let messages = drafts.enumerated().map { index, draft in
        OutgoingMessage(summary: MessageSummary(uid: UID(UInt32(index + 1)) ?? .min, flags: draft.flags, modSeq: 1,
                                                size: draft.bytes.count,
                                                internalDate: MessageDate(secondsSince1970: draft.date, zoneOffsetMinutes: draft.zone)),
                        body: MessageBody(bytes: ByteBuffer(bytes: draft.bytes)))
    }
    return AppendBatch(count: messages.count, messages: AsyncThrowingStream { continuation in
        for message in messages { continuation.yield(message) }
        continuation.finish()
    })
}

func uids(_ values: UInt32...) -> UIDSet { UIDSet(uids: values.compactMap { UID($0) }) ?? UIDSet(.min) }

func uidList(_ set: UIDSet?) -> [UInt32] { set.map { $0.map(\.rawValue) } ?? [] }

/// Every byte of each fetched message, with its summary.
func fetchAll(_ endpoint: StoreMailboxEndpoint, _ set: UIDSet) async throws -> [(MessageSummary, [UInt8], chunks: Int)] {
    var out: [(MessageSummary, [UInt8], chunks: Int)] = []
    for try await message in endpoint.fetchMessages(set) {
        var bytes: [UInt8] = []
        var chunks = 0
        for try await chunk in message.body {
            bytes += chunk.readableBytesView
            chunks += 1
        }
        out.append((message.summary, bytes, chunks))
    }
    return out
}
