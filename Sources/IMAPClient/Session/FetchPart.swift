import IMAPCore
import NIOCore

/// One piece of a streamed FETCH response, in the order the server sent it: `messageStart`,
/// attributes and body sections (each `bodyStart`, `bodyChunk`s, `bodyEnd`), `messageEnd`.
public enum FetchPart: Sendable, Hashable {
    /// `uid` is known here when the server sent UID anywhere before the first body.
    case messageStart(sequence: UInt32, uid: UID?)
    case attribute(FetchAttribute)
    /// `size` is the size the server announced: do not trust it for allocation.
    case bodyStart(section: String, origin: UInt32?, size: Int)
    case bodyChunk(ByteBuffer)
    case bodyEnd
    case messageEnd
}
