import IMAPCore

/// What the engine knows of a message without its body.
public struct MessageSummary: Hashable, Sendable {
    public var uid: UID
    public var flags: FlagList
    public var modSeq: ModSeqValue
    /// RFC822.SIZE: the exact byte count of the message (and of its body stream).
    public var size: Int
    /// INTERNALDATE, kept on replication; seconds since 1970 with the sender's zone offset.
    public var internalDate: MessageDate?
    /// The Message-ID header's value (with the angle brackets), when asked for and present.
    public var messageID: String?
    /// SHA-256 of the whole message, when asked for: move detection and UIDVALIDITY re-matching.
    public var contentHash: ContentHash?

    public init(uid: UID, flags: FlagList, modSeq: ModSeqValue, size: Int, internalDate: MessageDate? = nil,
                messageID: String? = nil, contentHash: ContentHash? = nil) {
        self.uid = uid
        self.flags = flags
        self.modSeq = modSeq
        self.size = size
        self.internalDate = internalDate
        self.messageID = messageID
        self.contentHash = contentHash
    }
}

/// An INTERNALDATE as exchanged between endpoints: an instant plus the zone offset to keep.
public struct MessageDate: Hashable, Sendable {
    public var secondsSince1970: Int64
    public var zoneOffsetMinutes: Int

    public init(secondsSince1970: Int64, zoneOffsetMinutes: Int = 0) {
        self.secondsSince1970 = secondsSince1970
        self.zoneOffsetMinutes = zoneOffsetMinutes
    }
}

/// A SHA-256 digest of a message's bytes.
public struct ContentHash: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// Nil unless exactly 32 bytes.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    public var description: String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}

/// Which optional fields of ``MessageSummary`` to fill (each costs the IMAP endpoint more).
public struct SummaryFields: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let internalDate = SummaryFields(rawValue: 1 << 0)
    /// `BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]`.
    public static let messageID = SummaryFields(rawValue: 1 << 1)
    /// The whole body is read (streamed) and hashed.
    public static let contentHash = SummaryFields(rawValue: 1 << 2)

    /// What re-matching after a UIDVALIDITY change and move detection compare.
    public static let identity: SummaryFields = [.internalDate, .messageID, .contentHash]
}
