import NIOCore

/// A message received on a subscription (or as the answer to a request).
public struct NATSMessage: Sendable, Equatable {
    public var subject: String
    public var replyTo: String?
    public var payload: ByteBuffer
    public var headers: NATSHeaders?
    /// The status of the header block's first line (`NATS/1.0 503` → 503), if any.
    public var status: Int?
    public var statusDescription: String?

    public init(subject: String, replyTo: String? = nil, payload: ByteBuffer, headers: NATSHeaders? = nil,
                status: Int? = nil, statusDescription: String? = nil) {
        self.subject = subject
        self.replyTo = replyTo
        self.payload = payload
        self.headers = headers
        self.status = status
        self.statusDescription = statusDescription
    }

    public var bytes: [UInt8] { Array(payload.readableBytesView) }
    public var string: String { String(buffer: payload) }

    init(_ inbound: InboundMessage) throws(NATSProtocolError) {
        self.init(subject: inbound.subject, replyTo: inbound.replyTo, payload: inbound.payload)
        if let block = inbound.headerBlock {
            let parsed = try HeaderBlock.parse(block)
            headers = parsed.headers
            status = parsed.status
            statusDescription = parsed.statusDescription
        }
    }

    /// The server's answer to a request that reached no subscriber.
    var isNoResponders: Bool { status == 503 && payload.readableBytes == 0 }
}
