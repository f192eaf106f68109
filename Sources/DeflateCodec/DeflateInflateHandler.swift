import CZlib
import NIOCore

/// Inbound half of COMPRESS=DEFLATE (RFC 4978): inflates the raw deflate stream from the server.
///
/// Insert it right after the TLS handler (or at the head of a plain pipeline) once the server
/// has answered OK to `COMPRESS DEFLATE`, before any further byte from the server is read.
/// Output is passed on in buffers of at most `maximumChunkSize` bytes as it is produced, so a
/// decompression bomb costs this handler at most one chunk of memory. A corrupt stream fires
/// `DeflateError.corruptStream` and closes the channel.
public final class DeflateInflateHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer

    public static let defaultChunkSize = 64 * 1024

    private let maximumChunkSize: Int
    private var inflater: ZlibStream?
    private var failed = false
    private var ended = false

    public init(maximumChunkSize: Int = DeflateInflateHandler.defaultChunkSize) {
        self.maximumChunkSize = max(1, maximumChunkSize)
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        do {
            inflater = try ZlibStream(.decompress)
        } catch {
            fail(context: context, error)
        }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        inflater = nil
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let input = unwrapInboundIn(data)
        guard !failed, let inflater, input.readableBytes > 0 else { return }
        guard !ended else {
            fail(context: context, .dataAfterStreamEnd)
            return
        }
        let chunkSize = maximumChunkSize
        // A first buffer sized to the input keeps short responses from pinning 64 KiB each.
        let first = min(chunkSize, max(1024, input.readableBytes * 4))
        let (rc, unconsumed) = input.withUnsafeReadableBytes { bytes in
            inflater.run(input: bytes, chunkSize: chunkSize, firstChunkSize: first, allocator: context.channel.allocator,
                         step: { inflate($0, Z_SYNC_FLUSH) },
                         emit: { chunk in
                             context.fireChannelRead(self.wrapInboundOut(chunk))
                             return !self.failed && self.inflater != nil
                         })
        }
        switch rc {
        case Z_OK:
            break
        case Z_STREAM_END:
            ended = true
            if unconsumed > 0 { fail(context: context, .dataAfterStreamEnd) }
        case Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR:
            fail(context: context, .corruptStream(inflater.message))
        default:
            fail(context: context, .zlib("inflate returned \(rc)"))
        }
    }

    private func fail(context: ChannelHandlerContext, _ error: DeflateError) {
        guard !failed else { return }
        failed = true
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension DeflateInflateHandler: Sendable {}
