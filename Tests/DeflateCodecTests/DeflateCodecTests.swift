import DeflateCodec
import Foundation
import NIOCore
import NIOEmbedded
import Testing
import TestSupport

@Suite struct DeflateRoundTripTests {
    @Test func roundTripOfSeveralFlushes() throws {
        let messages = [Array("a001 CAPABILITY\r\n".utf8), samplePayload(100_000), [], samplePayload(300, seed: 3)]
        let flushes = try compress(messages)
        #expect(flushes.count == messages.count)
        // Every flush ends on a sync-flush marker, so the server can decode each command at once.
        for flush in flushes where !flush.isEmpty { #expect(flush.suffix(4) == [0x00, 0x00, 0xff, 0xff]) }
        // Each flush decodes to exactly its message.
        let channel = EmbeddedChannel(handlers: [DeflateInflateHandler()])
        for (message, flush) in zip(messages, flushes) {
            try channel.writeInbound(ByteBuffer(bytes: flush))
            var out: [UInt8] = []
            while let chunk = try channel.readInbound(as: ByteBuffer.self) { out += chunk.readableBytesView }
            #expect(out == message)
        }
        _ = try channel.finish()
    }

    @Test func severalWritesBeforeOneFlush() throws {
        let channel = EmbeddedChannel(handlers: [DeflateCompressHandler()])
        let parts = [samplePayload(10), samplePayload(70_000, seed: 9), samplePayload(5, seed: 2)]
        var promises: [EventLoopFuture<Void>] = []
        for part in parts {
            let promise = channel.eventLoop.makePromise(of: Void.self)
            channel.write(ByteBuffer(bytes: part), promise: promise)
            promises.append(promise.futureResult)
        }
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)  // nothing before flush
        channel.flush()
        var compressed: [UInt8] = []
        while let chunk = try channel.readOutbound(as: ByteBuffer.self) {
            #expect(chunk.readableBytes <= 64 * 1024)
            compressed += chunk.readableBytesView
        }
        for promise in promises { try promise.wait() }
        #expect(joined(try inflate([compressed])) == parts.flatMap { $0 })
        _ = try channel.finish()
    }

    @Test func compressedInputSplitAtEveryBoundary() throws {
        let message = samplePayload(3_000)
        let stream = try compress([message, Array("tail\r\n".utf8)]).flatMap { $0 }
        let expected = message + Array("tail\r\n".utf8)
        for split in 0...stream.count {
            #expect(joined(try inflate([Array(stream[..<split]), Array(stream[split...])])) == expected)
        }
        #expect(joined(try inflate(stream.map { [$0] })) == expected)
    }

    @Test(arguments: [0, 1, 6, 9])
    func compressionLevels(_ level: Int) throws {
        let message = samplePayload(200_000)
        let compressed = try compress([message], level: level).flatMap { $0 }
        #expect(joined(try inflate([compressed])) == message)
        if level == 0 { #expect(compressed.count > message.count) } else { #expect(compressed.count < message.count / 2) }
    }
}

@Suite struct DeflateErrorTests {
    @Test func corruptStreamIsATypedError() throws {
        let channel = EmbeddedChannel(handlers: [DeflateInflateHandler()])
        // BFINAL=1, BTYPE=11: a reserved block type.
        #expect {
            try channel.writeInbound(ByteBuffer(bytes: [0xff, 0xff, 0x00, 0x01]))
        } throws: { error in
            guard case .corruptStream(let why) = error as? DeflateError else { return false }
            return why.contains("invalid block type")
        }
        #expect(!channel.isActive)
    }

    @Test func dataAfterTheFinalBlock() throws {
        let channel = EmbeddedChannel(handlers: [DeflateInflateHandler()])
        // A final stored block holding "hello", then one byte too many.
        let stream: [UInt8] = [0x01, 0x05, 0x00, 0xfa, 0xff] + Array("hello".utf8) + [0x78]
        #expect(throws: DeflateError.dataAfterStreamEnd) { try channel.writeInbound(ByteBuffer(bytes: stream)) }
        #expect(try channel.readInbound(as: ByteBuffer.self).map { String(buffer: $0) } == "hello")
    }

    /// 64 MiB of zeros in about 64 KiB of input never becomes one big buffer.
    @Test func decompressionBombIsChunked() throws {
        let deflater = EmbeddedChannel(handlers: [DeflateCompressHandler(level: 9)])
        let zeros = ByteBuffer(repeating: 0, count: 1024 * 1024)
        for _ in 0..<63 { deflater.write(zeros, promise: nil) }
        try deflater.writeOutbound(zeros)
        var bomb: [ByteBuffer] = []
        while let chunk = try deflater.readOutbound(as: ByteBuffer.self) { bomb.append(chunk) }
        #expect(bomb.reduce(0) { $0 + $1.readableBytes } < 128 * 1024)

        let sink = CountingSink()
        let inflater = EmbeddedChannel(handlers: [DeflateInflateHandler(), sink])
        for chunk in bomb { try inflater.writeInbound(chunk) }
        #expect(sink.total == 64 * 1024 * 1024)
        #expect(sink.largestChunk <= DeflateInflateHandler.defaultChunkSize)
        #expect(sink.chunks >= 1024)
        _ = try inflater.finish()
        _ = try deflater.finish()
    }
}

/// Interoperability with Python's zlib (raw deflate, wbits -15), as IMAP servers use zlib too.
@Suite struct DeflatePythonInteropTests {
    @Test func pythonCompressesWeInflate() async throws {
        let dir = try TemporaryDirectory(prefix: "deflate-interop")
        let messages = [samplePayload(50_000), Array("a002 NOOP\r\n".utf8), samplePayload(200_000, seed: 11)]
        for (index, message) in messages.enumerated() {
            try Data(message).write(to: URL(fileURLWithPath: dir.file("in\(index)")))
        }
        let script = """
        import sys, zlib
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        with open(sys.argv[1] + "/out", "wb") as out:
            for i in range(int(sys.argv[2])):
                data = open(sys.argv[1] + "/in%d" % i, "rb").read()
                out.write(c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH))
        """
        let result = try await runCommand("/usr/bin/python3", ["-c", script, dir.path, String(messages.count)])
        #expect(result.status == 0, "\(result.stderr)")
        let compressed = Array(try Data(contentsOf: URL(fileURLWithPath: dir.file("out"))))
        // Fed in odd-sized pieces, as TLS would deliver it.
        let pieces = stride(from: 0, to: compressed.count, by: 1_337).map { Array(compressed[$0..<min($0 + 1_337, compressed.count)]) }
        #expect(joined(try inflate(pieces)) == messages.flatMap { $0 })
    }

    @Test func weCompressPythonInflates() async throws {
        let dir = try TemporaryDirectory(prefix: "deflate-interop")
        let messages = [Array("a001 LOGIN user pass\r\n".utf8), samplePayload(150_000, seed: 5), Array("a003 LOGOUT\r\n".utf8)]
        let compressed = try compress(messages)
        // Python decodes each flush on its own (as a server would, command by command).
        for (index, flush) in compressed.enumerated() {
            try Data(flush).write(to: URL(fileURLWithPath: dir.file("flush\(index)")))
        }
        let script = """
        import sys, zlib
        d = zlib.decompressobj(-15)
        with open(sys.argv[1] + "/plain", "wb") as out:
            for i in range(int(sys.argv[2])):
                chunk = d.decompress(open(sys.argv[1] + "/flush%d" % i, "rb").read())
                out.write(b"%d:%d\\n" % (i, len(chunk)))
                out.write(chunk)
        """
        let result = try await runCommand("/usr/bin/python3", ["-c", script, dir.path, String(messages.count)])
        #expect(result.status == 0, "\(result.stderr)")
        var expected: [UInt8] = []
        for (index, message) in messages.enumerated() { expected += Array("\(index):\(message.count)\n".utf8) + message }
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: dir.file("plain")))) == expected)
    }
}

@Suite struct DeflateLiveInsertionTests {
    /// As after `a OK DEFLATE active`: plain bytes first, then both handlers join the live pipeline.
    @Test func handlersInsertedIntoALivePipeline() throws {
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 143)).wait()
        try channel.writeInbound(ByteBuffer(string: "a OK DEFLATE active\r\n"))
        #expect(try channel.readInbound(as: ByteBuffer.self) == ByteBuffer(string: "a OK DEFLATE active\r\n"))
        try channel.pipeline.syncOperations.addHandlers([DeflateInflateHandler(), DeflateCompressHandler()], position: .first)

        let response = Array("* 1 EXISTS\r\n".utf8)
        try channel.writeInbound(ByteBuffer(bytes: try compress([response]).flatMap { $0 }))
        #expect(try channel.readInbound(as: ByteBuffer.self).map { Array($0.readableBytesView) } == response)

        try channel.writeOutbound(ByteBuffer(string: "b NOOP\r\n"))
        var sent: [UInt8] = []
        while let chunk = try channel.readOutbound(as: ByteBuffer.self) { sent += chunk.readableBytesView }
        #expect(joined(try inflate([sent])) == Array("b NOOP\r\n".utf8))
        _ = try channel.finish()
    }
}
