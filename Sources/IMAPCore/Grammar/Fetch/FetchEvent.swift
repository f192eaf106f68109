import NIOCore

/// A `* n FETCH (…)` response as a stream, so a message body is never held whole:
/// `start`, then any `attribute`s and bodies in the order sent, then `finish`.
///
/// A body (`BODY[…]`, `BODY[…]<origin>`, `BINARY[…]`, `RFC822`, `RFC822.HEADER`, `RFC822.TEXT`)
/// is `bodyStart`, zero or more `bodyBytes` chunks (together exactly `size` bytes), `bodyEnd`.
/// A `NIL` body is `bodyStart(size: 0)` followed directly by `bodyEnd`.
public enum FetchEvent: Hashable, Sendable {
    case start(sequence: UInt32)
    case attribute(FetchAttribute)
    /// `section` is the section spec inside the brackets, as sent (`""` for `BODY[]`,
    /// `"HEADER"`, `"1.2"`, `"HEADER.FIELDS (SUBJECT)"`); `RFC822` is reported as `""`,
    /// `RFC822.HEADER` as `"HEADER"`, `RFC822.TEXT` as `"TEXT"`. `BINARY[…]` reports its section
    /// the same way. `origin` is the `<n>` of a partial fetch.
    case bodyStart(section: String, origin: UInt32?, size: Int)
    case bodyBytes(ByteBuffer)
    case bodyEnd
    case finish
}
