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
            let selection = try await session.examine(MailboxName(mailbox)).value
            guard let uidValidity = selection.uidValidity?.rawValue else {
                throw IMAPClientError.protocolError("the server gave no UIDVALIDITY for \(mailbox)")
            }
            let local = try store.ensureMailbox(userID: userID, name: mailbox)
            let already = try store.storedOriginUIDs(userID: userID, account: accountKey, mailbox: mailbox,
                                                     uidValidity: uidValidity)
            // Sizes first: they give the progress total and let us skip what is stored.
            var wanted: [(uid: UInt32, size: Int)] = []
            var remoteCount = 0
            if selection.exists > 0 {
                try await session.uidFetchSizes { uid, size in
                    remoteCount += 1
                    if !already.contains(uid.rawValue) { wanted.append((uid.rawValue, size)) }
                }
            }
            wanted.sort { $0.uid < $1.uid }
            var tracker = FetchProgress(mailbox: mailbox, messagesTotal: wanted.count,
                                        bytesTotal: wanted.reduce(0) { $0 + $1.size }, started: started)
            progress(tracker)
            let committer = BatchCommitter(store: store, maxMessages: fetch.batchMessages, maxBytes: fetch.batchBytes)
            let origin = MessageOrigin(account: accountKey, identityID: identityID, mailbox: mailbox,
                                       uidValidity: uidValidity, uid: 0)
            let chunks = stride(from: 0, to: wanted.count, by: fetch.uidsPerCommand).compactMap {
                UIDSet(uids: wanted[$0..<min($0 + fetch.uidsPerCommand, wanted.count)].compactMap { UID(rawValue: $0.uid) })
            }
            try await session.uidFetchMessages(chunks, commandsInFlight: fetch.commandsInFlight) { message in
                guard let uid = message.uid else { return }
                var messageOrigin = origin
                messageOrigin.uid = uid.rawValue
                try await committer.add(IncomingMessage(
                    mailboxID: local.id, origin: messageOrigin, flags: message.flagNames,
                    internalDate: (message.internalDate?.epochSeconds ?? 0, message.internalDate?.utcOffsetMinutes ?? 0),
                    raw: Array(message.body.readableBytesView)))
                tracker.record(bytes: message.body.readableBytes)
                if tracker.shouldReport() { progress(tracker) }
            }
            let inserted = try await committer.finish()
            tracker.finished = true
            progress(tracker)
            return FullFetchResult(
                userID: userID, mailbox: mailbox, account: accountKey, uidValidity: uidValidity,
                remoteMessages: remoteCount, alreadyStored: remoteCount - wanted.count,
                fetched: tracker.messagesDone, inserted: inserted, bytes: tracker.bytesDone,
                seconds: (ContinuousClock.now - started).seconds)
        }
    }
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
