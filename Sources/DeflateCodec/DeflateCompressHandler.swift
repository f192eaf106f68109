import CZlib
import NIOCore

/// Outbound half of COMPRESS=DEFLATE (RFC 4978): compresses what the client writes as one raw
/// deflate stream, ending every flush with Z_SYNC_FLUSH so the server can decode each command
/// as soon as it arrives. Writes are compressed at `flush`; output goes down in chunks of at most
/// 64 KiB and the write promises complete with the last one.
public final class DeflateCompressHandler: ChannelOutboundHandler, RemovableChannelHandler {
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    public static let defaultLevel = 6
    static let chunkSize = 64 * 1024

    private let level: Int32
    private var deflater: ZlibStream?
    private var pending: [(data: ByteBuffer, promise: EventLoopPromise<Void>?)] = []
    private var failure: DeflateError?

    /// `level` is zlib's: 0 (store) to 9 (smallest); values outside are clamped.
    public init(level: Int = DeflateCompressHandler.defaultLevel) {
        self.level = Int32(min(9, max(0, level)))
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        do {
            deflater = try ZlibStream(.compress(level: level))
        } catch {
            failure = error
            context.fireErrorCaught(error)
        }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        for write in pending { write.promise?.fail(ChannelError.ioOnClosedChannel) }
        pending.removeAll()
        deflater = nil
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if let failure {
            promise?.fail(failure)
            return
        }
        pending.append((unwrapOutboundIn(data), promise))
    }

    public func flush(context: ChannelHandlerContext) {
        guard let deflater, failure == nil, !pending.isEmpty else {
            context.flush()
            return
        }
        let writes = pending
        pending.removeAll(keepingCapacity: true)
        var held: ByteBuffer?  // the latest output chunk, written last with the promises
        let emit: (ByteBuffer) -> Bool = { chunk in
            if let previous = held { context.write(self.wrapOutboundOut(previous), promise: nil) }
            held = chunk
            return true
        }
        var rc = Z_OK
        for (index, write) in writes.enumerated() {
            let flushMode = index == writes.count - 1 ? Z_SYNC_FLUSH : Z_NO_FLUSH
            rc = write.data.withUnsafeReadableBytes { bytes in
                deflater.run(input: bytes, chunkSize: Self.chunkSize, firstChunkSize: Self.chunkSize,
                             allocator: context.channel.allocator, step: { deflate($0, flushMode) }, emit: emit).rc
            }
            if rc != Z_OK { break }
        }
        let promises = writes.compactMap(\.promise)
        guard rc == Z_OK else {
            let error = DeflateError.zlib("deflate returned \(rc): \(deflater.message)")
            failure = error
            promises.forEach { $0.fail(error) }
            context.fireErrorCaught(error)
            return
        }
        var combined: EventLoopPromise<Void>?
        if promises.count == 1 {
            combined = promises[0]
        } else if promises.count > 1 {
            let promise = context.eventLoop.makePromise(of: Void.self)
            promises.forEach { promise.futureResult.cascade(to: $0) }
            combined = promise
        }
        if let held {
            context.write(wrapOutboundOut(held), promise: combined)
        } else {
            combined?.succeed()
        }
        context.flush()
    }
}

/// The names used in docs/architecture.md.
public typealias DeflateDecoder = DeflateInflateHandler
public typealias DeflateEncoder = DeflateCompressHandler

@available(*, unavailable)
extension DeflateCompressHandler: Sendable {}
