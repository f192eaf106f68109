import Foundation
import IMAPClient
import IMAPCore
import Logging
import MailStore
import NIOPosix

/// `fullfetch`: copies every message of one remote mailbox into the user's local account,
/// keeping no sync state. Running it again adds nothing (the store is idempotent on the
/// message's origin, and UIDs already stored are not even downloaded again).
public struct FullFetchJob: Sendable {
    public var userID: String
    /// The remote mailbox (decoded Unicode name); stored under the same name locally.
    public var mailbox: String
    public var client: IMAPClientConfiguration
    /// The identity this fetch runs for, when there is one.
    public var identityID: UUID?
    public var fetch: WorkerConfiguration.FetchSection
    /// Called with the messages of each committed batch, in order, never before their commit
    /// (per-message change events). nil: nothing is kept for it.
    public var onCommitted: (@Sendable ([CommittedMessage]) async -> Void)?

    public init(userID: String, mailbox: String, client: IMAPClientConfiguration, identityID: UUID? = nil,
                fetch: WorkerConfiguration.FetchSection = .init()) {
        self.userID = userID
        self.mailbox = mailbox
        self.client = client
        self.identityID = identityID
        self.fetch = fetch
    }

    /// The account key recorded as the messages' origin: `login@host:port`.
    public var accountKey: String { MessageOrigin.accountKey(login: client.username, server: client.server.description) }

    public func run(store: MailStore, logger: Logger, progress: @escaping @Sendable (FetchProgress) -> Void = { _ in })
        async throws -> FullFetchResult
    {
        let started = ContinuousClock.now
        return try await IMAPSession.withSession(client, logger: logger) { session in
            // On the connection's event loop: each FETCH part resumes the readers there, no thread hop.
            try await withTaskExecutorPreference(session.taskExecutor) {
                try await download(in: session, store: store, logger: logger, progress: progress, started: started)
            }
        }
    }

    private func download(in session: IMAPSession, store: MailStore, logger: Logger,
                          progress: @escaping @Sendable (FetchProgress) -> Void, started: ContinuousClock.Instant)
        async throws -> FullFetchResult
    {
        // One name for INBOX whatever its case (RFC 3501), locally and in the messages' origin.
        let mailbox = MailStore.canonicalMailboxName(self.mailbox)
        let (userID, accountKey, identityID, fetch) = (self.userID, self.accountKey, self.identityID, self.fetch)
        let onCommitted = self.onCommitted
        // STATUS before EXAMINE: RFC 3501 advises against STATUS on the selected mailbox.
        let name = MailboxName(mailbox)
        let status = session.hasCapability("STATUS=SIZE") ? try await session.status(name, [.size]).value : nil
        let selection = try await session.examine(name).value
        guard let uidValidity = selection.uidValidity?.rawValue else {
            throw IMAPClientError.protocolError("the server gave no UIDVALIDITY for \(mailbox)")
        }
        let (local, already) = try await offThePool {
            (try store.ensureMailbox(userID: userID, name: mailbox),
             try store.storedOriginUIDs(userID: userID, account: accountKey, mailbox: mailbox, uidValidity: uidValidity))
        }
        let plan = try await FetchPlan.make(session: session, exists: Int(selection.exists), status: status,
                                            alreadyStored: already)
        let listed = ContinuousClock.now
        var tracker = FetchProgress(mailbox: mailbox, messagesTotal: plan.uids.count, bytesTotal: plan.bytesTotal,
                                    started: started)
        progress(tracker)
        let ingest = store.makeIngest(MessageIngest.Limits(batchBytes: fetch.batchBytes,
                                                           batchMessages: fetch.batchMessages))
        let origin = MessageOrigin(account: accountKey, identityID: identityID, mailbox: mailbox,
                                   uidValidity: uidValidity, uid: 0)
        // The writer commits in submission order: once it has settled N messages (stored or
        // skipped), the first N submitted are committed and can be announced.
        var uncommitted: [CommittedMessage] = []
        var settled = 0
        func announceCommitted() async {
            guard let onCommitted else { return }
            let summary = ingest.summary
            let done = summary.inserted + summary.skipped - settled
            guard done > 0 else { return }
            let batch = Array(uncommitted.prefix(done))
            uncommitted.removeFirst(min(done, uncommitted.count))
            settled += done
            await onCommitted(batch)
        }
        do {
            try await session.uidFetchMessages(plan.commands(perCommand: fetch.uidsPerCommand),
                                               commandsInFlight: fetch.commandsInFlight) { message in
                guard let uid = message.uid else { return }
                var messageOrigin = origin
                messageOrigin.uid = uid.rawValue
                let size = message.bodyByteCount
                if onCommitted != nil {
                    uncommitted.append(CommittedMessage(mailbox: mailbox, uid: uid.rawValue, uidValidity: uidValidity,
                                                        messageID: MessageIDHeader.value(in: message.bodyChunks), size: size))
                }
                try await ingest.submit(IncomingMessage(
                    mailboxID: local.id, origin: messageOrigin, flags: message.flagNames,
                    internalDate: (message.internalDate?.epochSeconds ?? 0, message.internalDate?.utcOffsetMinutes ?? 0),
                    body: MessageBytes(chunks: message.bodyChunks)))
                tracker.record(bytes: size)
                if tracker.shouldReport() { progress(tracker) }
                await announceCommitted()
            }
        } catch {
            // The messages that arrived whole are still stored; then the fetch's own error counts.
            _ = try? await ingest.finish()
            await announceCommitted()
            throw error
        }
        let downloaded = ContinuousClock.now
        let stored = try await ingest.finish()
        await announceCommitted()
        tracker.finish()
        progress(tracker)
        let ended = ContinuousClock.now
        logger.debug("fullfetch phases", metadata: [
            "mailbox": "\(mailbox)", "listSeconds": "\((listed - started).seconds)",
            "downloadSeconds": "\((downloaded - listed).seconds)",
            "lastCommitSeconds": "\((ended - downloaded).seconds)", "batches": "\(stored.committedBatches)",
        ])
        return FullFetchResult(
            userID: userID, mailbox: mailbox, account: accountKey, uidValidity: uidValidity,
            remoteMessages: plan.remoteMessages, alreadyStored: plan.remoteMessages - plan.uids.count,
            fetched: tracker.messagesDone, inserted: stored.inserted, bytes: tracker.bytesDone,
            seconds: (ended - started).seconds)
    }
}

/// Runs blocking store calls on NIO's thread pool: never on the cooperative pool.
func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await NIOThreadPool.singleton.runIfActive(body)
}

/// What a fullfetch did, as printed by `imapctl --json` and sent in completion events.
public struct FullFetchResult: Sendable, Codable, Equatable {
    public var userID: String
    public var mailbox: String
    public var account: String
    public var uidValidity: UInt32
    public var remoteMessages: Int
    public var alreadyStored: Int
    public var fetched: Int
    public var inserted: Int
    public var bytes: Int
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case userID = "user_id", mailbox, account, uidValidity = "uidvalidity", remoteMessages = "remote_messages"
        case alreadyStored = "already_stored", fetched, inserted, bytes, seconds
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
