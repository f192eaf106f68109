import Foundation

/// One event document (docs/bus-contract.md, "Events"). Absent fields are left out of the JSON.
public struct WorkerEvent: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        case accepted, progress, completed, failed, rejected, status
        /// A stored identity failed for `identities.deactivate_after_hours` and stops being polled.
        case identityDeactivated = "identity_deactivated"
    }

    public var event: Kind
    public var orderID: String?
    public var order: String?
    public var userID: String?
    public var identityID: String?
    public var worker: String
    /// When this event was written.
    public var at: Date
    public var receivedAt: Date?
    public var startedAt: Date?
    public var finishedAt: Date?
    public var durationSeconds: Double?
    /// Attempts made (transient failures are retried inside the job).
    public var attempts: Int?
    /// The other orders answered by the same run (coalesced while one ran for the identity).
    public var coalescedWith: [String]?
    public var stats: JobStats?
    public var progress: JobProgress?
    public var error: JobFailure?
    /// `addremote`: the new identity.
    public var createdIdentityID: String?
    public var status: WorkerStatus?
    /// `deliver`: the mailbox the message was filed in, and its UID there (UIDPLUS servers).
    public var mailbox: String?
    public var uid: UInt32?
    public var uidValidity: UInt32?
    /// `identity_deactivated`: why (the first failure's time, the count, the last error).
    public var reason: String?

    public init(event: Kind, worker: String, at: Date = Date()) {
        self.event = event
        self.worker = worker
        self.at = at
    }

    enum CodingKeys: String, CodingKey {
        case event, orderID = "order_id", order, userID = "user_id", identityID = "identity_id", worker, at
        case receivedAt = "received_at", startedAt = "started_at", finishedAt = "finished_at"
        case durationSeconds = "duration_seconds", attempts, coalescedWith = "coalesced_with", stats, progress, error
        case createdIdentityID = "created_identity_id", status, reason, mailbox, uid, uidValidity = "uidvalidity"
    }

    /// One line of JSON, keys sorted, dates ISO 8601 in UTC with milliseconds.
    public func encoded() -> [UInt8] {
        status == nil ? EventJSONWriter.encode(self) : encodedByFoundation()
    }

    /// The same through `JSONEncoder` (status events; the reference `EventJSONWriter` is tested against).
    func encodedByFoundation() -> [UInt8] {
        (try? Array(EventCoding.encoder.encode(self))) ?? Array(#"{"event":"failed","error":{"code":"internal","message":"event encoding failed"}}"#.utf8)
    }

    public static func decode(_ bytes: [UInt8]) throws -> WorkerEvent {
        try EventCoding.decoder.decode(WorkerEvent.self, from: Data(bytes))
    }
}

enum EventCoding {
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(timestamp(date))
        }
        return encoder
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not ISO 8601: \(text)"))
            }
            return date
        }
        return decoder
    }

    static func timestamp(_ date: Date) -> String { EventTimestamp.format(date) }
}
