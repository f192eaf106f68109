import IMAPCore
import NIOCore

/// One message of a FETCH response with its attributes and (if asked for) its whole body.
public struct FetchedMessage: Sendable {
    public var sequence: UInt32
    public var uid: UID?
    public var flags: [MessageFlag] = []
    public var modSeq: ModSequence?
    public var internalDate: InternalDate?
    public var size: Int?
    /// The body bytes exactly as sent (BODY[] / BINARY[]), empty if not requested, in the buffers
    /// they arrived in: holding them costs no copy (a body is gathered only when `body` is read).
    public private(set) var bodyChunks: [ByteBuffer] = []
    /// The body's length in bytes.
    public private(set) var bodyByteCount = 0
    public var hasBody = false

    /// The body as one buffer: the chunk itself when there is one, else a copy of them gathered.
    public var body: ByteBuffer {
        get {
            if bodyChunks.count == 1 { return bodyChunks[0] }
            var gathered = ByteBuffer()
            gathered.reserveCapacity(bodyByteCount)
            for chunk in bodyChunks { gathered.writeImmutableBuffer(chunk) }
            return gathered
        }
        set {
            bodyChunks = newValue.readableBytes > 0 ? [newValue] : []
            bodyByteCount = newValue.readableBytes
        }
    }

    mutating func appendBody(_ chunk: ByteBuffer) {
        guard chunk.readableBytes > 0 else { return }
        bodyChunks.append(chunk)
        bodyByteCount += chunk.readableBytes
    }

    public var flagNames: [String] { flags.map(\.rawValue) }
}

/// A message not fetched because it is larger than the configured maximum.
public struct SkippedMessage: Sendable, Hashable {
    public var uid: UID?
    /// The size the server announced.
    public var announcedSize: Int

    public init(uid: UID?, announcedSize: Int) {
        self.uid = uid
        self.announcedSize = announcedSize
    }
}

/// Turns streamed FETCH parts into one whole message at a time (for small messages): never
/// more than the current message is held, and never a message over `maxMessageSize`, whose
/// bytes are dropped as they arrive. Memory grows with the bytes received, never with an
/// announced size. The chunks are kept as they came (slices of the connection's read buffers),
/// not copied into one buffer: that copy, and its growth by reallocation for big messages, were
/// a visible part of a fullfetch's CPU (docs/store.md, "Speed and memory").
struct MessageAssembler {
    let maxMessageSize: Int
    private var current: FetchedMessage?
    private var skipping = false
    private(set) var skipped: [SkippedMessage] = []

    init(maxMessageSize: Int) { self.maxMessageSize = maxMessageSize }

    /// Returns the message when its FETCH response is complete (nil for a skipped one).
    mutating func consume(_ part: FetchPart) -> FetchedMessage? {
        switch part {
        case .messageStart(let sequence, let uid):
            current = FetchedMessage(sequence: sequence, uid: uid)
            skipping = false
        case .attribute(let attribute):
            switch attribute {
            case .uid(let uid): current?.uid = uid
            case .flags(let flags): current?.flags = flags
            case .modSeq(let m): current?.modSeq = m
            case .internalDate(let d): current?.internalDate = d
            case .rfc822Size(let s): current?.size = s
            default: break
            }
        case .bodyStart(_, _, let size):
            if size > maxMessageSize || (current?.bodyByteCount ?? 0) > maxMessageSize - size {
                skipping = true
                skipped.append(SkippedMessage(uid: current?.uid, announcedSize: size))
                current?.body = ByteBuffer()
            }
            current?.hasBody = true
        case .bodyChunk(let bytes):
            if !skipping { current?.appendBody(bytes) }
        case .bodyEnd:
            break
        case .messageEnd:
            defer { current = nil }
            return skipping ? nil : current
        }
        return nil
    }
}
