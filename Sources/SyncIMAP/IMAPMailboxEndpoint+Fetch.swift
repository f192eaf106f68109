import Foundation
import IMAPClient
import IMAPCore
import NIOCore
import OpenSSLKit
import SyncEngine
import Synchronization

extension IMAPMailboxEndpoint {
    /// `UID FETCH set (UID FLAGS MODSEQ RFC822.SIZE [INTERNALDATE]
    /// [BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]] [BODY.PEEK[]])`; the whole body only streams
    /// through SHA-256, chunk by chunk.
    public func fetchSummaries(_ uids: UIDSet, fields: SummaryFields) async throws -> [MessageSummary] {
        let emulated = try selectedState().emulated
        // An emulated mailbox has no MODSEQ to fetch: its snapshot's stands in.
        var items: [FetchItem] = emulated == nil ? [.uid, .flags, .modSeq, .rfc822Size] : [.uid, .flags, .rfc822Size]
        if fields.contains(.internalDate) { items.append(.internalDate) }
        if fields.contains(.messageID) { items.append(.bodyPeek(section: Self.messageIDSection)) }
        if fields.contains(.contentHash) { items.append(.bodyPeek()) }
        var summaries: [MessageSummary] = []
        for chunk in uids.chunked() {
            var current: MessageSummary?
            var section: String?
            var header = ByteBuffer()
            var hasher = SHA256()
            for try await part in session.uidFetch(chunk, items) {
                switch part {
                case .messageStart(_, let uid):
                    current = uid.map { MessageSummary(uid: $0, flags: .empty, modSeq: 0, size: 0) }
                case .attribute(let attribute):
                    if case .uid(let uid) = attribute, current == nil {
                        current = MessageSummary(uid: uid, flags: .empty, modSeq: 0, size: 0)
                    }
                    current?.apply(attribute)
                case .bodyStart(let name, _, _):
                    section = name
                    header.clear()
                    if name.isEmpty { hasher = SHA256() }
                case .bodyChunk(let bytes):
                    if section?.isEmpty == true {
                        hasher.update(bytes.readableBytesView)
                    } else if header.readableBytes < Self.maxHeaderBytes {
                        header.writeImmutableBuffer(bytes)
                    }
                case .bodyEnd:
                    if section?.isEmpty == true {
                        let digest = hasher.finalize()
                        hasher = SHA256()
                        current?.contentHash = ContentHash(bytes: digest)
                    } else if section != nil {
                        current?.messageID = Self.messageID(in: header)
                    }
                    section = nil
                case .messageEnd:
                    if let current { summaries.append(current) }
                    current = nil
                }
            }
        }
        // Nothing is recorded here: a listing's flags are not what a copy carries (the body's
        // FETCH records those, once), and a message listed but never copied has no entry.
        if let emulated {
            for index in summaries.indices { summaries[index].modSeq = emulated.seen[summaries[index].uid]?.modSeq ?? 0 }
        }
        return summaries
    }

    /// `UID FETCH set (UID FLAGS MODSEQ INTERNALDATE RFC822.SIZE BODY.PEEK[])`, streamed: one
    /// ``OutgoingMessage`` per FETCH response, its body the literal's chunks as they arrive.
    public func fetchMessages(_ uids: UIDSet) -> OutgoingMessageStream {
        guard let selected = try? selectedState() else {
            return AsyncThrowingStream { $0.finish(throwing: MailboxEndpointError.noMailboxSelected) }
        }
        guard selected.emulated != nil else {
            let cursor = FetchCursor(session.uidFetch(uids, [.uid, .flags, .modSeq, .internalDate, .rfc822Size, .bodyPeek()]))
            return AsyncThrowingStream(unfolding: { try await cursor.nextMessage() })
        }
        // Emulated: the flags of what was fetched become the copies' snapshot once the FETCH ends.
        let cursor = FetchCursor(session.uidFetch(uids, [.uid, .flags, .internalDate, .rfc822Size, .bodyPeek()]))
        let fetched = Mutex<[(UID, FlagList)]>([])
        return AsyncThrowingStream(unfolding: { [self] in
            if let message = try await cursor.nextMessage() {
                fetched.withLock { $0.append((message.summary.uid, message.summary.flags)) }
                return message
            }
            try recordFirstSeen(fetched.withLock { $0 })
            return nil
        })
    }

    static let messageIDSection = "HEADER.FIELDS (MESSAGE-ID)"
    /// A Message-ID header is short; a hostile one is cut here.
    static let maxHeaderBytes = 16 * 1024

    /// The Message-ID header's value (with its angle brackets), from `HEADER.FIELDS (MESSAGE-ID)`.
    static func messageID(in header: ByteBuffer) -> String? {
        let text = String(decoding: header.readableBytesView, as: UTF8.self)
        // Unfold continuation lines (RFC 5322 §2.2.3).
        let unfolded = text.replacingOccurrences(of: "\r\n ", with: " ").replacingOccurrences(of: "\r\n\t", with: " ")
        for line in unfolded.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\r" || $0 == "\n" }) {
            guard let colon = line.firstIndex(of: ":"),
                  line[..<colon].trimmingCharacters(in: .whitespaces).lowercased() == "message-id" else { continue }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if let open = value.firstIndex(of: "<"), let close = value[open...].firstIndex(of: ">") {
                return String(value[open...close])
            }
            return value.isEmpty ? nil : value
        }
        return nil
    }
}
