import Foundation
import MailJobs

/// One per-message change event (docs/bus-contract.md, "Message events"): today `message.new`,
/// for each message a job stored, sent once its batch is committed.
public struct MessageEvent: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        case new = "message.new"
    }

    public var event: Kind
    public var worker: String
    public var at: Date
    public var orderID: String
    public var userID: String
    public var identityID: String?
    public var mailbox: String
    /// The message's UID on the remote server, under `uidValidity`.
    public var uid: UInt32
    public var uidValidity: UInt32
    public var messageID: String?
    public var size: Int

    public init(_ kind: Kind = .new, worker: String, at: Date = Date(), orderID: String, userID: String,
                identityID: String?, message: CommittedMessage) {
        event = kind
        self.worker = worker
        self.at = at
        self.orderID = orderID
        self.userID = userID
        self.identityID = identityID
        mailbox = message.mailbox
        uid = message.uid
        uidValidity = message.uidValidity
        messageID = message.messageID
        size = message.size
    }

    enum CodingKeys: String, CodingKey {
        case event, worker, at, orderID = "order_id", userID = "user_id", identityID = "identity_id", mailbox, uid
        case uidValidity = "uidvalidity", messageID = "message_id", size
    }

    /// One line of JSON, as the other events (keys sorted, ISO 8601 dates with milliseconds).
    public func encoded() -> [UInt8] {
        (try? Array(EventCoding.encoder.encode(self))) ?? []
    }

    public static func decode(_ bytes: [UInt8]) throws -> MessageEvent {
        try EventCoding.decoder.decode(MessageEvent.self, from: Data(bytes))
    }
}
