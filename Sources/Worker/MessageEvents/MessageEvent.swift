import Foundation
import MailJobs

/// One per-message change event (docs/bus-contract.md, "Message events"): `message.new` for
/// each message a `fullfetch` stored or a `sync` brought into the local account, and
/// `message.flags`, `message.expunged`, `message.moved` for what a `sync` changed there. Sent
/// only once the local account has committed the change.
public struct MessageEvent: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        case new = "message.new"
        case flags = "message.flags"
        case expunged = "message.expunged"
        case moved = "message.moved"
    }

    public var event: Kind
    public var worker: String
    public var at: Date
    public var orderID: String
    public var userID: String
    public var identityID: String?
    public var mailbox: String
    /// The message's UID on the remote server, under `uidValidity` (absent when a sync
    /// changed a local message it had no remote pair for).
    public var uid: UInt32?
    public var uidValidity: UInt32?
    /// `sync` only: the message's UID in the local account, under `localUIDValidity`.
    public var localUID: UInt32?
    public var localUIDValidity: UInt32?
    public var messageID: String?
    public var size: Int
    /// `sync` only: the flags after the change (not for `message.expunged`).
    public var flags: [String]?
    /// `message.moved`: the mailbox it left and its local UID there.
    public var fromMailbox: String?
    public var fromLocalUID: UInt32?

    public init(_ kind: Kind = .new, worker: String, at: Date = Date(), orderID: String, userID: String,
                identityID: String?, message: CommittedMessage) {
        self.init(kind, worker: worker, at: at, orderID: orderID, userID: userID, identityID: identityID,
                  mailbox: message.mailbox, size: message.size)
        uid = message.uid
        uidValidity = message.uidValidity
        messageID = message.messageID
    }

    /// An event without the message's UIDs and Message-ID yet (the initialisers fill them).
    init(_ kind: Kind, worker: String, at: Date = Date(), orderID: String, userID: String, identityID: String?,
         mailbox: String, size: Int) {
        event = kind
        self.worker = worker
        self.at = at
        self.orderID = orderID
        self.userID = userID
        self.identityID = identityID
        self.mailbox = mailbox
        self.size = size
    }

    enum CodingKeys: String, CodingKey {
        case event, worker, at, orderID = "order_id", userID = "user_id", identityID = "identity_id", mailbox, uid
        case uidValidity = "uidvalidity", localUID = "local_uid", localUIDValidity = "local_uidvalidity"
        case messageID = "message_id", size, flags, fromMailbox = "from_mailbox", fromLocalUID = "from_local_uid"
    }

    /// One line of JSON, as the other events (keys sorted, ISO 8601 dates with milliseconds).
    public func encoded() -> [UInt8] {
        (try? Array(EventCoding.encoder.encode(self))) ?? []
    }

    public static func decode(_ bytes: [UInt8]) throws -> MessageEvent {
        try EventCoding.decoder.decode(MessageEvent.self, from: Data(bytes))
    }
}
