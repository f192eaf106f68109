import CShims
import CZlib
import NIOCore

/// A heap-allocated `z_stream`: zlib keeps a pointer back to it, so it must never move.
final class ZlibStream {
    enum Direction { case compress(level: Int32), decompress }

    let stream: UnsafeMutablePointer<z_stream>
    private let direction: Direction

    /// Raw deflate (no zlib header or checksum), 32 KiB window, as RFC 4978 requires.
    init(_ direction: Direction) throws(DeflateError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        self.direction = direction
        let rc: Int32 = switch direction {
        case .compress(let level):
            cshim_deflateInit2(stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY)
        case .decompress:
            cshim_inflateInit2(stream, -15)
        }
        guard rc == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw .zlib("initialisation failed (\(rc))")
        }
    }

    deinit {
        switch direction {
        case .compress: deflateEnd(stream)
        case .decompress: inflateEnd(stream)
        }
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    var message: String {
        stream.pointee.msg.map { String(cString: $0) } ?? "no message"
    }

    /// Runs `step` (deflate or inflate) over `input`, writing output into buffers of at most
    /// `chunkSize` bytes and handing each to `emit` as soon as it is full (or at the end). Memory
    /// stays bounded whatever the expansion ratio. `emit` returns false to stop early.
    /// Returns zlib's last result and how many input bytes were left unconsumed.
    func run(
        input: UnsafeRawBufferPointer,
        chunkSize: Int,
        firstChunkSize: Int,
        allocator: ByteBufferAllocator,
        step: (UnsafeMutablePointer<z_stream>) -> Int32,
        emit: (ByteBuffer) -> Bool
    ) -> (rc: Int32, unconsumed: Int) {
        let base = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
        stream.pointee.next_in = UnsafeMutablePointer(mutating: base)
        stream.pointee.avail_in = UInt32(input.count)
        defer {
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
        }
        var size = firstChunkSize
        while true {
            var out = allocator.buffer(capacity: size)
            var rc: Int32 = Z_OK
            var outputFull = false
            out.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { space in
                let room = min(space.count, size)
                stream.pointee.next_out = space.baseAddress?.assumingMemoryBound(to: UInt8.self)
                stream.pointee.avail_out = UInt32(room)
                rc = step(stream)
                let produced = room - Int(stream.pointee.avail_out)
                outputFull = stream.pointee.avail_out == 0
                stream.pointee.next_out = nil
                stream.pointee.avail_out = 0
                return produced
            }
            let unconsumed = Int(stream.pointee.avail_in)
            if out.readableBytes > 0, !emit(out) { return (rc, unconsumed) }
            switch rc {
            case Z_OK:
                // Output full: zlib may hold more. Otherwise all input was consumed and flushed.
                if !outputFull && unconsumed == 0 { return (rc, 0) }
            case Z_BUF_ERROR:
                return (Z_OK, unconsumed)  // no progress possible: needs more input; not an error
            default:
                return (rc, unconsumed)
            }
            size = chunkSize
        }
    }
}
