import DeflateCodec
import NIOCore
import NIOEmbedded

/// Deterministic sample data: IMAP-like text lines with some noise, `count` bytes.
func samplePayload(_ count: Int, seed: UInt32 = 7) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(count)
    var state = seed
    let words = ["* 12 FETCH (UID 4711 RFC822.SIZE 2048 FLAGS (\\Seen))\r\n", "Subject: COMPRESS=DEFLATE\r\n",
                 "a001 OK done\r\n", "From: someone@example.org\r\n"].map { Array($0.utf8) }
    while out.count < count {
        state = state &* 1_103_515_245 &+ 12345
        if state % 5 == 0 {
            out.append(UInt8(truncatingIfNeeded: state >> 16))
        } else {
            out.append(contentsOf: words[Int((state >> 16) % UInt32(words.count))])
        }
    }
    return Array(out.prefix(count))
}

/// Compresses each message with a flush after it; returns the compressed bytes of each flush.
func compress(_ messages: [[UInt8]], level: Int = DeflateCompressHandler.defaultLevel) throws -> [[UInt8]] {
    let channel = EmbeddedChannel(handlers: [DeflateCompressHandler(level: level)])
    var flushes: [[UInt8]] = []
    for message in messages {
        try channel.writeOutbound(ByteBuffer(bytes: message))
        var bytes: [UInt8] = []
        while let chunk = try channel.readOutbound(as: ByteBuffer.self) { bytes += chunk.readableBytesView }
        flushes.append(bytes)
    }
    _ = try channel.finish()
    return flushes
}

/// Feeds `pieces` to a `DeflateInflateHandler` and returns the output chunks.
func inflate(_ pieces: [[UInt8]]) throws -> [ByteBuffer] {
    let channel = EmbeddedChannel(handlers: [DeflateInflateHandler()])
    var chunks: [ByteBuffer] = []
    for piece in pieces {
        try channel.writeInbound(ByteBuffer(bytes: piece))
        while let chunk = try channel.readInbound(as: ByteBuffer.self) { chunks.append(chunk) }
    }
    _ = try channel.finish()
    return chunks
}

func joined(_ chunks: [ByteBuffer]) -> [UInt8] { chunks.flatMap { Array($0.readableBytesView) } }

/// Counts what reaches it without keeping it, so a bomb test holds no more than one chunk.
final class CountingSink: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    var total = 0
    var largestChunk = 0
    var chunks = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let size = unwrapInboundIn(data).readableBytes
        total += size
        largestChunk = max(largestChunk, size)
        chunks += 1
    }
}
