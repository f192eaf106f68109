import IMAPClient
import IMAPCore
import NIOCore
import SyncEngine
import Synchronization

extension IMAPMailboxEndpoint {
    /// One APPEND (MULTIAPPEND for several messages where advertised) whose literals are
    /// announced with the messages' byte counts and filled chunk by chunk as the bodies stream
    /// in (``IMAPSession/appendStreaming(_:to:)``); `[APPENDUID v uids]` → the assigned UIDs.
    public func append(_ batch: AppendBatch) async throws -> SyncEngine.AppendResult {
        let selected = try selectedState()
        // The source UID of the message being sent, to name it if its body comes short or long.
        let current = Mutex<UID?>(nil)
        // The flags sent, in order: the fallback mode's snapshot of the copies.
        let sent = Mutex<[FlagList]>([])
        let emulated = selected.emulated != nil
        let messages = batch.messages.map { message in
            current.withLock { $0 = message.summary.uid }
            if emulated { sent.withLock { $0.append(message.summary.flags) } }
            return StreamedAppendMessage(outgoing: message)
        }
        let outcome: StreamedAppendOutcome
        do {
            outcome = try await session.appendStreaming(messages, to: selected.name)
        } catch IMAPClientError.bodySizeMismatch(let announced, let received) {
            throw MailboxEndpointError.bodySizeMismatch(uid: current.withLock { $0 } ?? .min, announced: announced,
                                                        received: received)
        }
        guard outcome.count > 0 else {
            let validity = session.selected?.uidValidity?.rawValue ?? 0
            return SyncEngine.AppendResult(uidValidity: validity, assignedUIDs: [])
        }
        guard let appendUID = outcome.appendUID else {
            throw MailboxEndpointError.missingCapability("UIDPLUS (no APPENDUID in the APPEND answer)")
        }
        let assigned = Array(appendUID.uids)
        guard assigned.count == outcome.count else {
            throw MailboxEndpointError.appendUIDCountMismatch(sent: outcome.count, assigned: assigned.count)
        }
        if emulated { try recordFirstSeen(Array(zip(assigned, sent.withLock { $0 }))) }
        if let highest = assigned.max(), highest.rawValue < UInt32.max {
            updateSelected { $0.appendedUIDNext = max($0.appendedUIDNext, highest.rawValue + 1) }
        }
        return SyncEngine.AppendResult(uidValidity: appendUID.uidValidity.rawValue, assignedUIDs: assigned)
    }

    /// `UID STORE set (UNCHANGEDSINCE m) FLAGS.SILENT (flags)`, the set cut at about 4 KB, all
    /// chunks pipelined; `[MODIFIED set]` → ``SyncEngine/StoreResult/modified``.
    public func storeFlags(_ request: FlagStoreRequest) async throws -> SyncEngine.StoreResult {
        try await storeFlags([request]).first ?? SyncEngine.StoreResult(modified: nil)
    }

    /// The same for each request, every chunk of every request sent before the first answer is
    /// awaited: a round with several flag lists costs one round trip.
    public func storeFlags(_ requests: [FlagStoreRequest]) async throws -> [SyncEngine.StoreResult] {
        if try selectedState().emulated != nil {
            var results: [SyncEngine.StoreResult] = []
            for request in requests {
                guard let emulated = try selectedState().emulated else { throw MailboxEndpointError.noMailboxSelected }
                results.append(try await emulatedStore(request, emulated))
            }
            return results
        }
        let sent = requests.map { request in
            let unchangedSince = request.unchangedSince.map { ModSequence($0) }
            return request.uids.chunked().map {
                session.uidStore($0, .replace(request.flags.flags), unchangedSince: unchangedSince, silent: true)
            }
        }
        var results: [SyncEngine.StoreResult] = []
        for (request, pending) in zip(requests, sent) {
            var modified: UIDSet?
            for store in pending {
                if let set = try await store.value.modified { modified = modified.map { $0.union(set) } ?? set }
            }
            let stored = modified.map { request.uids.subtracting($0) } ?? request.uids
            updateSelected { selected in
                if let stored { selected.ownStores.append((stored, request.flags)) }
                if let modified { selected.modified = selected.modified.map { $0.union(modified) } ?? modified }
            }
            results.append(SyncEngine.StoreResult(modified: modified))
        }
        return results
    }

    /// `UID STORE set +FLAGS.SILENT (\Deleted)` then `UID EXPUNGE set` (UIDPLUS): no other
    /// `\Deleted` message goes. Returns the UIDs the server reported VANISHED.
    public func expunge(_ uids: UIDSet) async throws -> UIDSet? {
        let emulated = try selectedState().emulated != nil
        guard session.hasCapability(.uidplus) else { throw MailboxEndpointError.missingCapability("UIDPLUS") }
        // Without QRESYNC the server answers with sequence numbers: the UIDs present are read first.
        var uids = uids
        if emulated {
            guard let present = UIDSet(uids: try await currentFlags(of: uids).keys) else { return nil }
            uids = present
        }
        let chunks = uids.chunked()
        let stores = chunks.map { session.uidStore($0, .add([.deleted]), silent: true) }
        // Every STORE completes before the first EXPUNGE goes: Dovecot may run a pipelined
        // UID EXPUNGE before the STORE it follows, and the message would stay.
        for store in stores { _ = try await store.value }
        let expunges = chunks.map { session.uidExpunge($0) }
        var gone: UIDSet?
        for expunge in expunges { gone = gone.adding(try await expunge.value) }
        if emulated {
            gone = uids
            try recordVanished(uids)
        }
        let expunged = gone
        updateSelected { $0.ownExpunges = $0.ownExpunges.adding(expunged) }
        return gone
    }

    /// `UID MOVE` where advertised, else `UID COPY` + `UID STORE +FLAGS.SILENT (\Deleted)` +
    /// `UID EXPUNGE`; the pairs come from COPYUID.
    public func move(_ uids: UIDSet, to mailbox: MailboxName) async throws -> MoveResult {
        _ = try selectedState()
        var pairs: [(source: UID, destination: UID)] = []
        var validity: UIDValidity?
        for chunk in uids.chunked() {
            let copy: CopyResult?
            if session.hasCapability(.move) {
                copy = try await session.uidMove(chunk, to: mailbox).value
            } else {
                guard session.hasCapability(.uidplus) else { throw MailboxEndpointError.missingCapability("UIDPLUS") }
                copy = try await session.uidCopy(chunk, to: mailbox).value
                // The STORE completes before the EXPUNGE goes (see `expunge(_:)`).
                _ = try await session.uidStore(chunk, .add([.deleted]), silent: true).value
                _ = try await session.uidExpunge(chunk).value
            }
            updateSelected { $0.ownExpunges = $0.ownExpunges.adding(chunk) }
            try recordVanished(chunk)
            guard let copy else { throw MailboxEndpointError.missingCapability("UIDPLUS (no COPYUID in the answer)") }
            validity = copy.uidValidity
            for uid in copy.source {
                if let destination = copy.destination(of: uid) { pairs.append((uid, destination)) }
            }
        }
        return MoveResult(destinationUIDValidity: validity?.rawValue ?? 0, pairs: pairs)
    }
}

extension StreamedAppendMessage {
    /// Most messages go across in one chunk.
    static let joinedChunk = 256 << 10

    init(outgoing message: OutgoingMessage) {
        self.init(flags: message.summary.flags.flags, internalDate: message.summary.internalDate.map(InternalDate.init),
                  byteCount: message.body.byteCount, body: message.body.joined(upTo: Self.joinedChunk))
    }
}
