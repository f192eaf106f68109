import Foundation
import IMAPCore
import MailStore
import NIOCore
import SyncEngine
import Synchronization

/// One user's local account in the embedded store, as the sync engine's endpoint (docs/sync.md,
/// "`MailboxEndpoint`": the store column). Every call is one store transaction run on GRDB's
/// queues, so the engine's task is suspended, never blocked. Several endpoints, processes or
/// other writers (imapctl, fullfetch) may work on the same store: `pendingChanges()` reports
/// theirs and never this endpoint's own.
public final class StoreMailboxEndpoint: MailboxEndpoint {
    public let store: MailStore
    public let userID: String
    /// The hierarchy delimiter of the mailboxes this endpoint creates (and of the listing when the
    /// account has no mailbox yet).
    public let delimiter: Character?
    /// Bytes read from the store per body chunk of `fetchMessages`.
    public let chunkSize: Int
    private let selection = Mutex<Selection?>(nil)

    public init(store: MailStore, userID: String, delimiter: Character? = "/", chunkSize: Int = 256 << 10) {
        self.store = store
        self.userID = userID
        self.delimiter = delimiter
        self.chunkSize = max(1, chunkSize)
    }

    public func capabilities() async throws -> EndpointCapabilities {
        [.qresync, .condstore, .uidplus, .multiappend, .move, .listStatus]
    }

    /// Each append batch is one store transaction held in memory: batches of fullfetch's size
    /// (`fetch.batch_messages` / `fetch.batch_bytes` defaults) make a few large commits where
    /// interimap's 128 messages / 1 MiB for IMAP would make eight times as many.
    public var appendBatchLimits: AppendBatchLimits? { AppendBatchLimits(maxMessages: 500, maxBytes: 8 << 20) }

    // MARK: Mailboxes

    public func listMailboxes(_ request: MailboxListRequest) async throws -> MailboxListing {
        let mailboxes = try await store.listMailboxes(userID: userID)
        let listed = MailboxListMatcher(delimiter: mailboxes.lazy.compactMap(\.delimiter).first ?? delimiter, request: request)
        return listed.listing(of: mailboxes)
    }

    /// An existing mailbox is not an error: it may be a parent an earlier create made.
    /// Unsubscribed, as IMAP's CREATE leaves a mailbox: the engine subscribes it when the other
    /// side's is. Created subscribed, every mailbox copied from an unsubscribed one was then
    /// taken for a local subscription and subscribed on the remote by the next run.
    public func createMailbox(_ mailbox: MailboxName) async throws {
        do {
            try await store.createMailbox(userID: userID, name: mailbox.name, delimiter: delimiter, subscribed: false)
        } catch .alreadyExists {
            return
        }
    }

    public func deleteMailbox(_ mailbox: MailboxName) async throws {
        try await mapped(mailbox) { try await self.store.deleteMailbox(userID: self.userID, name: mailbox.name) }
        selection.withLock { if $0?.name == mailbox { $0 = nil } }
    }

    public func renameMailbox(_ mailbox: MailboxName, to newName: MailboxName) async throws {
        try await mapped(mailbox) {
            try await self.store.renameMailbox(userID: self.userID, from: mailbox.name, to: newName.name)
        }
    }

    public func setSubscribed(_ subscribed: Bool, mailbox: MailboxName) async throws {
        try await mapped(mailbox) { try await self.store.setSubscribed(subscribed, userID: self.userID, name: mailbox.name) }
    }

    // MARK: The selected mailbox

    public func select(_ mailbox: MailboxName, since point: ResyncPoint?) async throws -> SelectResult {
        guard let found = try await store.findMailbox(userID: userID, name: mailbox.name) else {
            throw MailboxEndpointError.noSuchMailbox(mailbox)
        }
        let committedUIDNext = point?.knownUIDs.map { $0.highest.rawValue &+ 1 }
        var result: SelectResult
        var seen = found.highestModSeq
        if let point, point.uidValidity == found.uidValidity {
            let changes = try await store.changes(mailboxID: found.id, since: Int64(clamping: point.highestModSeq),
                                                  known: point.knownUIDs.map(Self.ranges))
            seen = changes.highestModSeq
            let current = try await store.findMailbox(id: found.id) ?? found
            let snapshot = MailboxSnapshot(uidValidity: current.uidValidity, uidNext: current.uidNext,
                                           highestModSeq: Self.modSeq(max(current.highestModSeq, changes.highestModSeq)))
            result = .resynced(snapshot, Self.changeSet(changes.vanished, changes.changed, highestModSeq: changes.highestModSeq,
                                                        below: committedUIDNext))
        } else {
            let snapshot = MailboxSnapshot(uidValidity: found.uidValidity, uidNext: found.uidNext,
                                           highestModSeq: Self.modSeq(found.highestModSeq))
            result = point == nil ? .fresh(snapshot) : .uidValidityChanged(snapshot)
        }
        selection.withLock {
            $0 = Selection(mailboxID: found.id, name: mailbox, uidValidity: found.uidValidity, seenModSeq: seen,
                           committedUIDNext: committedUIDNext)
        }
        return result
    }

    public func pendingChanges() async throws -> ChangeSet {
        let selected = try selected()
        let changes = try await mapped(selected.name) {
            // Our own changes are left out by the store: their rows are never read.
            try await self.store.changes(mailboxID: selected.mailboxID, since: selected.seenModSeq,
                                         excludingModSeqs: selected.ownModSeqs)
        }
        let modifiedRecords = selected.modified.isEmpty ? []
            : try await store.messageRecords(mailboxID: selected.mailboxID, uids: selected.modified.sorted().map { $0...$0 })
        return selection.withLock { state -> ChangeSet in
            guard var current = state, current.mailboxID == selected.mailboxID else { return ChangeSet(highestModSeq: 0) }
            // Our own changes are left out (also those made while the store read); MODIFIED UIDs
            // are reported whatever their modseq.
            var records = changes.changed.filter { !current.ownModSeqs.contains($0.modSeq) }
            let reported = Set(records.map(\.uid))
            records += modifiedRecords.filter { !reported.contains($0.uid) }
            // Set algebra on ranges: a full answer (older than the pruning point) may span millions of UIDs.
            var vanished = UIDSet(ranges: Self.uidRanges(changes.vanished))
            if let vanishedSet = vanished, let own = UIDSet(uids: current.ownExpunged.compactMap { UID($0) }) {
                vanished = vanishedSet.subtracting(own)
            }
            current.seenModSeq = max(current.seenModSeq, changes.highestModSeq)
            current.modified.subtract(selected.modified)
            state = current
            return Self.changeSet(vanished.map(Self.ranges) ?? [], records, highestModSeq: changes.highestModSeq,
                                  below: current.committedUIDNext)
        }
    }

    public func snapshot() async throws -> MailboxSnapshot {
        let selected = try selected()
        guard let mailbox = try await store.findMailbox(id: selected.mailboxID) else {
            throw MailboxEndpointError.noSuchMailbox(selected.name)
        }
        return MailboxSnapshot(uidValidity: mailbox.uidValidity, uidNext: mailbox.uidNext,
                               highestModSeq: Self.modSeq(mailbox.highestModSeq))
    }

    public func fetchSummaries(_ uids: UIDSet, fields: SummaryFields) async throws -> [MessageSummary] {
        let selected = try selected()
        let records = try await store.messageRecords(mailboxID: selected.mailboxID, uids: Self.ranges(uids))
        let headers = fields.contains(.messageID) ? try await store.headerFields(bodyIDs: records.map(\.bodyID)) : [:]
        var summaries: [MessageSummary] = []
        for record in records {
            guard let uid = UID(record.uid) else { continue }
            var summary = MessageSummary(uid: uid, flags: Self.flagList(record.flags), modSeq: Self.modSeq(record.modSeq),
                                         size: record.size)
            if fields.contains(.internalDate) {
                summary.internalDate = MessageDate(secondsSince1970: record.internalDate, zoneOffsetMinutes: record.internalDateOffset)
            }
            summary.messageID = headers[record.bodyID]?.messageID
            if fields.contains(.contentHash) { summary.contentHash = Self.contentHash(record.sha256) }
            summaries.append(summary)
        }
        return summaries
    }

    public func fetchMessages(_ uids: UIDSet) -> OutgoingMessageStream {
        let cursor = MessageCursor(store: store, mailboxID: selection.withLock { $0?.mailboxID }, ranges: Self.ranges(uids),
                                   chunkSize: chunkSize)
        return AsyncThrowingStream(unfolding: { try await cursor.next() })
    }

    /// The batch is written while it arrives (``AppendWriter``): each message goes to the store's
    /// writer as soon as its last chunk came (the chunks as they came, no copy) and is inserted
    /// while the next one downloads, all in one transaction committed after the last. A body that
    /// comes short or long rolls the whole batch back. Memory holds what the writer has not taken
    /// yet (2 MiB) plus one message, whatever the batch size (``appendBatchLimits``).
    public func append(_ batch: AppendBatch) async throws -> AppendResult {
        let selected = try selected()
        var writer: AppendWriter?
        do {
            return try await mapped(selected.name) {
                for try await message in batch.messages {
                    var bytes = MessageBytes([])
                    for try await chunk in message.body { bytes.append(chunk) }
                    guard bytes.count == message.body.byteCount else {
                        throw MailboxEndpointError.bodySizeMismatch(uid: message.summary.uid, announced: message.body.byteCount,
                                                                    received: bytes.count)
                    }
                    let date = message.summary.internalDate
                    let appended = AppendedMessage(flags: message.summary.flags.flags.map(\.rawValue),
                                                   internalDate: date?.secondsSince1970 ?? Int64(Date.now.timeIntervalSince1970),
                                                   internalDateOffset: date?.zoneOffsetMinutes ?? 0, body: bytes)
                    let current = writer ?? store.makeAppendWriter(mailboxID: selected.mailboxID)
                    writer = current
                    try await current.add(appended)
                }
                guard let writer else { return AppendResult(uidValidity: selected.uidValidity, assignedUIDs: []) }
                let outcome = try await writer.commit()
                own(selected, modSeqs: [outcome.modSeq])
                return AppendResult(uidValidity: outcome.uidValidity, assignedUIDs: outcome.uids.compactMap { UID($0) })
            }
        } catch {
            writer?.abort()
            throw error
        }
    }

    public func storeFlags(_ request: FlagStoreRequest) async throws -> StoreResult {
        try await storeFlags([request]).first ?? StoreResult(modified: nil)
    }

    /// The round's stores in one store transaction (one modseq, one commit).
    public func storeFlags(_ requests: [FlagStoreRequest]) async throws -> [StoreResult] {
        let selected = try selected()
        let outcomes = try await store.storeFlags(mailboxID: selected.mailboxID, requests.map { request in
            FlagStoreChange(uids: Self.ranges(request.uids), .replace, request.flags.flags.map(\.rawValue),
                            unchangedSince: request.unchangedSince.map { Int64(clamping: $0) })
        })
        own(selected, modSeqs: outcomes.map(\.modSeq), modified: outcomes.flatMap(\.modified))
        return outcomes.map { StoreResult(modified: UIDSet(uids: $0.modified.compactMap { UID($0) })) }
    }

    public func expunge(_ uids: UIDSet) async throws -> UIDSet? {
        let selected = try selected()
        let outcome = try await store.expunge(mailboxID: selected.mailboxID, uids: Self.ranges(uids))
        own(selected, modSeqs: [outcome.modSeq], expunged: outcome.expunged)
        return UIDSet(uids: outcome.expunged.compactMap { UID($0) })
    }

    public func move(_ uids: UIDSet, to mailbox: MailboxName) async throws -> MoveResult {
        let selected = try selected()
        guard let destination = try await store.findMailbox(userID: userID, name: mailbox.name) else {
            throw MailboxEndpointError.noSuchMailbox(mailbox)
        }
        let outcome = try await mapped(selected.name) {
            try await self.store.move(mailboxID: selected.mailboxID, uids: Self.ranges(uids), to: destination.id)
        }
        own(selected, modSeqs: [outcome.sourceModSeq], expunged: outcome.sourceUIDs)
        let pairs = zip(outcome.sourceUIDs, outcome.destinationUIDs).compactMap { source, destination -> (source: UID, destination: UID)? in
            guard let source = UID(source), let destination = UID(destination) else { return nil }
            return (source, destination)
        }
        return MoveResult(destinationUIDValidity: outcome.destinationUIDValidity, pairs: pairs)
    }

    // MARK: - State

    /// The selected mailbox and what `pendingChanges` must leave out or add.
    struct Selection {
        var mailboxID: Int64
        var name: MailboxName
        var uidValidity: UInt32
        /// Every change up to it was reported (or made by us).
        var seenModSeq: Int64
        /// Below the committed UIDNEXT (from the resync point); nil after a first select.
        var committedUIDNext: UInt32?
        /// The modseqs of our own transactions: a message whose current modseq is one of them
        /// was last changed by us. Each transaction takes a modseq of its own, so another
        /// writer's change never shares one.
        var ownModSeqs: Set<Int64> = []
        var ownExpunged: Set<UInt32> = []
        /// UIDs a conditional store refused: reported again by the next `pendingChanges`.
        var modified: Set<UInt32> = []
    }

    private func selected() throws -> Selection {
        guard let selected = selection.withLock({ $0 }) else { throw MailboxEndpointError.noMailboxSelected }
        return selected
    }

    private func own(_ selected: Selection, modSeqs: [Int64?], expunged: [UInt32] = [], modified: [UInt32] = []) {
        selection.withLock { state in
            guard var current = state, current.mailboxID == selected.mailboxID else { return }
            current.ownModSeqs.formUnion(modSeqs.compactMap { $0 })
            current.ownExpunged.formUnion(expunged)
            current.modified.formUnion(modified)
            state = current
        }
    }

    /// A store `notFound` for this mailbox is the engine's `noSuchMailbox` (also when another
    /// process deleted the selected mailbox meanwhile).
    private func mapped<T>(_ mailbox: MailboxName, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch MailStoreError.notFound {
            throw MailboxEndpointError.noSuchMailbox(mailbox)
        }
    }

    // MARK: - Conversions

    static func ranges(_ uids: UIDSet) -> [ClosedRange<UInt32>] {
        uids.normalizedRanges.map { $0.lowerBound.rawValue...$0.upperBound.rawValue }
    }

    static func uidRanges(_ ranges: [ClosedRange<UInt32>]) -> [ClosedRange<UID>] {
        ranges.compactMap { range in UID(range.lowerBound).flatMap { low in UID(range.upperBound).map { low...$0 } } }
    }

    static func modSeq(_ value: Int64) -> ModSeqValue { ModSeqValue(max(1, value)) }

    static func flagList(_ flags: [String]) -> FlagList { FlagList(flags.map { MessageFlag($0) }) }

    static func contentHash(_ hex: String) -> ContentHash? {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for index in stride(from: 0, to: 64, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return ContentHash(bytes: bytes)
    }

    static func changeSet(_ vanished: [ClosedRange<UInt32>], _ records: [MessageRecord], highestModSeq: Int64,
                          below uidNext: UInt32?) -> ChangeSet {
        func kept(_ uid: UInt32) -> Bool { uidNext.map { uid < $0 } ?? true }
        var changes: [UID: FlagChange] = [:]
        for record in records where kept(record.uid) {
            guard let uid = UID(record.uid) else { continue }
            changes[uid] = FlagChange(flags: flagList(record.flags), modSeq: modSeq(record.modSeq))
        }
        var gone: [ClosedRange<UID>] = []
        for range in vanished {
            let upper = uidNext.map { min(range.upperBound, $0 &- 1) } ?? range.upperBound
            guard upper >= range.lowerBound, let low = UID(range.lowerBound), let high = UID(upper) else { continue }
            gone.append(low...high)
        }
        return ChangeSet(vanished: gone.isEmpty ? nil : UIDSet(ranges: gone)?.normalized(), flagChanges: changes,
                         highestModSeq: modSeq(highestModSeq))
    }
}
