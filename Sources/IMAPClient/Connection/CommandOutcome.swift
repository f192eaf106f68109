import IMAPCore
import NIOCore
import OpenSSLKit

/// Everything a command produced, handed to the typed result built by its ``Pending`` handle.
struct CommandOutcome: Sendable {
    var response: TaggedResponse
    /// The untagged data routed to the command, in order.
    var data: [UntaggedResponse] = []
    /// FETCH responses routed to a command that collects them (STORE, flag FETCH, SELECT QRESYNC).
    var messages: [FetchedAttributes] = []
    /// From the SASL mechanism after a failed AUTHENTICATE.
    var authenticationDetail: String?
    /// STARTTLS: the handshake now running on the channel.
    var handshake: EventLoopFuture<TLSHandshakeCompleted>?
    /// IDLE: the (first 1000) events received while it ran.
    var idleEvents: [MailboxEvent] = []
    /// ``MailboxEventStream/eventsDelivered`` at the tagged response.
    var eventsDelivered = 0

    var isOK: Bool { response.state == .ok }

    /// Throws `commandFailed` unless the command was answered OK.
    func checked(_ command: String) throws(IMAPClientError) -> CommandOutcome {
        guard isOK else {
            throw .commandFailed(command: command, status: response.state.rawValue, text: response.text,
                                 code: response.code.map { "\($0)" })
        }
        return self
    }
}

/// The non-body attributes of one message of a FETCH response.
public struct FetchedAttributes: Sendable, Hashable {
    public var sequence: UInt32
    public var uid: UID?
    public var flags: [MessageFlag]?
    public var modSeq: ModSequence?
    public var internalDate: InternalDate?
    public var size: Int?
    /// The other items (EMAILID, ENVELOPE as sent…), in order.
    public var extras: [FetchAttribute] = []

    public init(sequence: UInt32, uid: UID? = nil) {
        self.sequence = sequence
        self.uid = uid
    }

    mutating func apply(_ attribute: FetchAttribute) {
        switch attribute {
        case .uid(let u): uid = u
        case .flags(let f): flags = f
        case .modSeq(let m): modSeq = m
        case .internalDate(let d): internalDate = d
        case .rfc822Size(let s): size = s
        default: extras.append(attribute)
        }
    }
}
