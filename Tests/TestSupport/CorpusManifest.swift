import Foundation

/// What `scripts/gen-mail.py` should generate into a test server's Maildir.
public struct CorpusOptions: Sendable {
    /// Number of messages over all mailboxes.
    public var messages: Int
    /// Same seed, same bytes, UIDs and UIDVALIDITYs.
    public var seed: Int
    /// Messages over 1 MB; nil lets the generator choose (3 + N/1000 when N ≥ 200, else 0).
    public var bigMessages: Int?
    /// `--mailboxes` spec (`NAME=WEIGHT,...`); nil: INBOX, Archive/2023, Lists/Développement, 日本語.
    public var mailboxes: String?

    public init(messages: Int = 60, seed: Int = 7, bigMessages: Int? = nil, mailboxes: String? = nil) {
        self.messages = messages
        self.seed = seed
        self.bigMessages = bigMessages
        self.mailboxes = mailboxes
    }
}

/// The JSON manifest `gen-mail.py --manifest` writes: what the server must serve, per mailbox.
public struct CorpusManifest: Decodable, Sendable {
    public struct Message: Decodable, Sendable, Equatable {
        public let uid: Int
        /// Lower-case hex SHA-256 of the exact bytes served for `BODY.PEEK[]`.
        public let sha256: String
        /// RFC822.SIZE, equal to the served byte count.
        public let size: Int
        /// System flags and keywords, without `\Recent`.
        public let flags: [String]
        /// INTERNALDATE as Unix seconds.
        public let internalDate: Int
        public let messageID: String

        enum CodingKeys: String, CodingKey {
            case uid, sha256, size, flags
            case internalDate = "internal_date"
            case messageID = "message_id"
        }
    }

    public struct Mailbox: Decodable, Sendable {
        /// The name as sent on the wire (modified UTF-7, `/` separator).
        public let mutf7: String
        public let uidvalidity: Int
        public let uidnext: Int
        /// In UID order.
        public let messages: [Message]
    }

    public struct Totals: Decodable, Sendable {
        public let messages: Int
        public let bytes: Int
        public let mailboxes: Int
        public let over1MB: Int

        enum CodingKeys: String, CodingKey {
            case messages, bytes, mailboxes
            case over1MB = "over_1mb"
        }
    }

    public let seed: Int
    public let separator: String
    public let totals: Totals
    /// Keyed by the decoded (UTF-8) mailbox name, e.g. "Lists/Développement".
    public let mailboxes: [String: Mailbox]

    /// The decoded mailbox names, sorted.
    public var mailboxNames: [String] { mailboxes.keys.sorted() }

    public init(contentsOf path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        self = try JSONDecoder().decode(CorpusManifest.self, from: data)
    }
}
