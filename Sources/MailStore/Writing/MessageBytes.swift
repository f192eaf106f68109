import NIOCore

/// The bytes of one message as the network delivered them: one array, or the chunks of a streamed
/// FETCH literal kept as the `ByteBuffer`s they arrived in. The store hashes and writes them from
/// there, without gathering them into a copy first.
public struct MessageBytes: Sendable {
    enum Storage: Sendable {
        case array([UInt8])
        case buffers([ByteBuffer])
    }

    private(set) var storage: Storage
    /// Total length in bytes.
    public private(set) var count: Int

    public init(_ bytes: [UInt8]) {
        storage = .array(bytes)
        count = bytes.count
    }

    /// The readable bytes of each buffer, in order.
    public init(chunks: [ByteBuffer]) {
        storage = .buffers(chunks)
        count = chunks.reduce(0) { $0 + $1.readableBytes }
    }

    public init(_ buffer: ByteBuffer) { self.init(chunks: [buffer]) }

    /// Adds a chunk of a body that is still arriving.
    public mutating func append(_ chunk: ByteBuffer) {
        switch storage {
        case .array(let bytes) where bytes.isEmpty:
            storage = .buffers([chunk])
        case .array(let bytes):
            storage = .buffers([ByteBuffer(bytes: bytes), chunk])
        case .buffers(var chunks):
            storage = .array([])  // drops the reference so that `chunks` is appended in place
            chunks.append(chunk)
            storage = .buffers(chunks)
        }
        count += chunk.readableBytes
    }

    /// Calls `body` with each contiguous run of bytes, in order (none for an empty message).
    func forEachChunk(_ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        switch storage {
        case .array(let bytes):
            if !bytes.isEmpty { try bytes.withUnsafeBytes(body) }
        case .buffers(let chunks):
            for chunk in chunks where chunk.readableBytes > 0 { try chunk.withUnsafeReadableBytes(body) }
        }
    }

    /// Calls `body` with the bytes when they are one contiguous run (or none), else returns nil.
    func withContiguousBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
        switch storage {
        case .array(let bytes):
            return try bytes.withUnsafeBytes(body)
        case .buffers(let chunks):
            let nonEmpty = chunks.filter { $0.readableBytes > 0 }
            if nonEmpty.isEmpty { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
            guard nonEmpty.count == 1 else { return nil }
            return try nonEmpty[0].withUnsafeReadableBytes(body)
        }
    }

    /// A copy as one array (for callers that need one; the store itself never does).
    public var bytes: [UInt8] {
        switch storage {
        case .array(let bytes): return bytes
        case .buffers(let chunks):
            var out = [UInt8]()
            out.reserveCapacity(count)
            for chunk in chunks { out.append(contentsOf: chunk.readableBytesView) }
            return out
        }
    }
}
