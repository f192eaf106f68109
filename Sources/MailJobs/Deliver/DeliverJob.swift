import Foundation
import IMAPClient
import IMAPCore
import Logging
import NIOCore

/// `deliver`, the IMAP half of Caliopen's: files a message the user sent in the remote account's
/// `\Sent` mailbox (or a named one), flagged `\Seen`, with APPEND. Sending it (SMTP) is not ours.
public struct DeliverJob: Sendable {
    public var message: [UInt8]
    /// nil: the server's `\Sent` special-use mailbox (LIST RETURN (SPECIAL-USE)).
    public var mailbox: String?
    public var client: IMAPClientConfiguration

    public init(message: [UInt8], mailbox: String?, client: IMAPClientConfiguration) {
        self.message = message
        self.mailbox = mailbox
        self.client = client
    }

    public func run(logger: Logger) async throws -> DeliverResult {
        let (message, named) = (self.message, self.mailbox)
        return try await IMAPSession.withSession(client, logger: logger) { session in
            let target: MailboxName
            if let named {
                target = MailboxName(named)
            } else {
                let listed = try await session.list(pattern: "*", returning: ListReturn(specialUse: true)).value
                guard case .mailbox(let sent) = SentMailboxChoice.choose(named: nil, listed: listed.map { ($0.name, $0.attributes) }) else {
                    throw DeliverError.noSentMailbox
                }
                target = sent
            }
            var data = ByteBufferAllocator().buffer(capacity: message.count)
            data.writeBytes(message)
            let appended = try await session.append([AppendMessage(flags: [.seen], data: data)], to: target).value
            return DeliverResult(mailbox: target.name, uidValidity: appended?.uidValidity.rawValue,
                                 uid: appended?.uids.ranges.first?.lowerBound.rawValue, bytes: message.count)
        }
    }
}

public struct DeliverResult: Sendable, Equatable {
    /// The mailbox the message went to (decoded name).
    public var mailbox: String
    /// APPENDUID, when the server reports it (UIDPLUS).
    public var uidValidity: UInt32?
    public var uid: UInt32?
    public var bytes: Int
}

public enum DeliverError: Error, Sendable, Equatable, CustomStringConvertible {
    case noSentMailbox

    public var description: String {
        switch self {
        case .noSentMailbox:
            "the server lists no \\Sent special-use mailbox (RFC 6154); name one with the order's mailbox field"
        }
    }
}
