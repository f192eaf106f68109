import NIOCore

/// One message of an APPEND / MULTIAPPEND: flags, optional internal date, and the bytes, sent
/// as a literal (a `~{n}` literal8 when they contain NUL, which needs the BINARY extension).
public struct AppendMessage: Hashable, Sendable {
    public var flags: [MessageFlag]
    public var internalDate: InternalDate?
    public var data: ByteBuffer

    public init(flags: [MessageFlag] = [], internalDate: InternalDate? = nil, data: ByteBuffer) {
        self.flags = flags
        self.internalDate = internalDate
        self.data = data
    }
}
