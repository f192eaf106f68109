import Credentials
import Foundation

/// One order, validated (docs/bus-contract.md, "Orders"). Caliopen's fields plus our `order_id`
/// and `mailboxes`. The password is a `Secret`: it never prints.
public struct Order: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case fullfetch, sync, deliver, addremote, test, status
    }

    public var kind: Kind
    /// Echoed in every event of this order; generated when the order has none.
    public var orderID: String
    public var userID: String?
    public var identityID: UUID?
    public var login: String?
    public var password: Secret?
    public var server: String?
    /// `mailbox` and `mailboxes` of the order, in that order; empty: the identity's or INBOX.
    public var mailboxes: [String]
    /// Redis: the stream the final event also goes to (read by the transport, kept for status).
    public var replyTo: String?
    /// `deliver`: the raw RFC 5322 message (`message`, base64 in the order), or a message of the
    /// user's local account (`local_mailbox` + `local_uid`).
    public var message: [UInt8]?
    public var localMessage: LocalMessageReference?
    /// `addremote`: the identity's own push setting (nil: the daemon's `push.enabled`).
    public var push: Bool?

    public struct LocalMessageReference: Sendable, Equatable {
        public var mailbox: String
        public var uid: UInt32

        public init(mailbox: String, uid: UInt32) {
            self.mailbox = mailbox
            self.uid = uid
        }
    }

    public init(kind: Kind, orderID: String, userID: String? = nil, identityID: UUID? = nil, login: String? = nil,
                password: Secret? = nil, server: String? = nil, mailboxes: [String] = [], replyTo: String? = nil) {
        self.kind = kind
        self.orderID = orderID
        self.userID = userID
        self.identityID = identityID
        self.login = login
        self.password = password
        self.server = server
        self.mailboxes = mailboxes
        self.replyTo = replyTo
    }

    /// Orders for one remote account never run at the same time: the identity, else login@server.
    public var accountKey: String? {
        if let identityID { return "identity:" + identityID.uuidString.lowercased() }
        if let login, let server { return "account:\(login)@\(server)" }
        return nil
    }

    /// Orders with the same signature arriving while one runs are merged into one more run.
    public var coalescingSignature: String? {
        guard kind == .fullfetch || kind == .sync, let accountKey else { return nil }
        return "\(kind.rawValue)|\(accountKey)|\(userID ?? "")|\(mailboxes.joined(separator: "\u{0}"))"
    }
}
