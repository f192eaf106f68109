import IMAPCore
import NIOCore

/// One message of a FETCH response with its attributes and (if asked for) its whole body.
public struct FetchedMessage: Sendable {
    public var sequence: UInt32
    public var uid: UInt32?
    public var flags: [MessageFlag] = []
    public var modSeq: UInt64?
    public var internalDate: InternalDate?
    public var size: Int?
    /// The body bytes exactly as sent (BODY[] / BINARY[]), empty if not requested.
    public var body: [UInt8] = []
    public var hasBody = false

    public var flagNames: [String] { flags.map(\.rawValue) }
}

/// Turns the parser's streamed FETCH events into one `FetchedMessage` at a time, so that no
/// more than the current message's body is ever held.
struct FetchAssembler {
    private var current: FetchedMessage?

    /// Returns the message when its FETCH response is complete.
    mutating func consume(_ event: FetchEvent) -> FetchedMessage? {
        switch event {
        case .start(let sequence):
            current = FetchedMessage(sequence: sequence)
        case .attribute(let attribute):
            switch attribute {
            case .uid(let uid): current?.uid = uid.rawValue
            case .flags(let flags): current?.flags = flags
            case .modSeq(let m): current?.modSeq = m.rawValue
            case .internalDate(let d): current?.internalDate = d
            case .rfc822Size(let s): current?.size = s
            default: break
            }
        case .bodyStart(_, _, let size):
            current?.hasBody = true
            // The size is the server's word: reserve at most 1 MiB up front, grow past it as bytes come.
            current?.body.reserveCapacity(min(size, 1 << 20))
        case .bodyBytes(let bytes):
            current?.body.append(contentsOf: bytes.readableBytesView)
        case .bodyEnd:
            break
        case .finish:
            defer { current = nil }
            return current
        }
        return nil
    }
}
