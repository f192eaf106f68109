import Foundation

/// A mailbox of a user's local account: the user's mailbox on our side.
public struct LocalMailbox: Sendable, Hashable {
    public let id: Int64
    public let userID: String
    /// Decoded Unicode name (NFC), e.g. "Lists/Développement".
    public let name: String
    /// Hierarchy delimiter used in `name`; nil for a flat namespace.
    public let delimiter: Character?
    /// Our own UIDVALIDITY: random, non-zero, fixed at creation.
    public let uidValidity: UInt32
    /// The UID the next stored message will get.
    public let uidNext: UInt32
    /// Our own CONDSTORE counter: the modseq of the last change in this mailbox.
    public let highestModSeq: Int64
    public let subscribed: Bool
}

/// Where a stored message came from: the remote account, mailbox and UID it was fetched as.
public struct MessageOrigin: Sendable, Hashable, CustomStringConvertible {
    /// `login@host:port` (see `accountKey(login:server:)`).
    public var account: String
    /// The identity it was fetched through, when there is one.
    public var identityID: UUID?
    /// Remote mailbox name, decoded.
    public var mailbox: String
    public var uidValidity: UInt32
    public var uid: UInt32

    public init(account: String, identityID: UUID? = nil, mailbox: String, uidValidity: UInt32, uid: UInt32) {
        self.account = account
        self.identityID = identityID
        self.mailbox = mailbox
        self.uidValidity = uidValidity
        self.uid = uid
    }

    /// The account key for a login on a `host:port` server.
    public static func accountKey(login: String, server: String) -> String { "\(login)@\(server)" }

    public var description: String { "\(account)/\(mailbox);UIDVALIDITY=\(uidValidity)/;UID=\(uid)" }
}

/// A message fetched from a remote server, ready to be stored. The writer computes its size and SHA-256.
public struct IncomingMessage: Sendable {
    public var mailboxID: Int64
    /// nil for a message appended locally (it then never conflicts with another).
    public var origin: MessageOrigin?
    /// IMAP flags as fetched; stored normalised (see `MessageFlags.normalised`).
    public var flags: [String]
    /// INTERNALDATE as epoch seconds and the UTC offset (minutes) it was given with.
    public var internalDate: (epoch: Int64, utcOffsetMinutes: Int)
    /// The RFC 5322 bytes exactly as fetched, in the buffers they arrived in.
    public var body: MessageBytes

    public init(mailboxID: Int64, origin: MessageOrigin?, flags: [String],
                internalDate: (epoch: Int64, utcOffsetMinutes: Int), body: MessageBytes) {
        self.mailboxID = mailboxID
        self.origin = origin
        self.flags = flags
        self.internalDate = internalDate
        self.body = body
    }

    public init(mailboxID: Int64, origin: MessageOrigin?, flags: [String],
                internalDate: (epoch: Int64, utcOffsetMinutes: Int), raw: [UInt8]) {
        self.init(mailboxID: mailboxID, origin: origin, flags: flags, internalDate: internalDate, body: MessageBytes(raw))
    }
}

/// A message as stored in the local account.
public struct StoredMessage: Sendable {
    public let id: Int64
    public let mailboxID: Int64
    /// Our local UID in the mailbox.
    public let uid: UInt32
    /// Normalised flags.
    public let flags: [String]
    public let modSeq: Int64
    public let internalDate: (epoch: Int64, utcOffsetMinutes: Int)
    public let size: Int
    public let raw: [UInt8]
    /// Lower-case hex SHA-256 of `raw`: the key of the body, shared by every message holding it.
    public let sha256: String
    /// The shared body's row.
    public let bodyID: Int64
    /// nil for a message that was not fetched from a remote account.
    public let origin: MessageOrigin?
    public let fetchedAt: Date
}
