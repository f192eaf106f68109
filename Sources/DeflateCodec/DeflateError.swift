/// Why compression or decompression stopped. The stream cannot be resumed after any of these.
public enum DeflateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The compressed input is not a valid raw deflate stream (zlib's message).
    case corruptStream(String)
    /// Bytes followed the final deflate block (RFC 4978 streams never end).
    case dataAfterStreamEnd
    /// zlib could not be set up or failed internally (out of memory, …).
    case zlib(String)

    public var description: String {
        switch self {
        case .corruptStream(let why): "COMPRESS=DEFLATE: corrupt compressed stream: \(why)"
        case .dataAfterStreamEnd: "COMPRESS=DEFLATE: data after the end of the compressed stream"
        case .zlib(let why): "COMPRESS=DEFLATE: zlib error: \(why)"
        }
    }
}
