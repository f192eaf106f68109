import Foundation
import NIOCore
import NIOPosix
import OpenSSLKit
import Testing
import TestSupport

/// Data through the handler: STARTTLS on a live channel, close_notify, large transfers.
@Suite(.timeLimit(.minutes(2))) struct TLSStreamTests {
    /// Plain greeting, `a STARTTLS`, then TLS (Python's ssl module) on the same connection; the
    /// server ends with close_notify and waits for ours.
    @Test func startTLSOnActiveChannel() async throws {
        let pki = try await TestPKI.shared.value
        let server = try await PythonTLSServer.start(name: "starttls", certificate: pki.serverCert, key: pki.serverKey, body: """
        c, _ = s.accept()
        c.sendall(b"* OK plain greeting\\r\\n")
        line = b""
        while not line.endswith(b"\\n"):
            d = c.recv(1)
            if not d: sys.exit(1)
            line += d
        if line != b"a STARTTLS\\r\\n": sys.exit(2)
        c.sendall(b"a OK begin TLS\\r\\n")
        t = ctx.wrap_socket(c, server_side=True)
        data = b""
        while not data.endswith(b"\\n"): data += t.recv(4096)
        t.sendall(b"secure:" + data)
        t.unwrap()
        print("UNWRAPPED", flush=True)
        """)
        let tlsContext = try TLSContext(configuration: TLSConfiguration(caFile: pki.caFile))

        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: server.port) { channel in
                channel.eventLoop.makeCompletedFuture { try TLSAsyncChannel(wrappingChannelSynchronously: channel) }
            }
        let tail = try await channel.executeThenClose { inbound, outbound in
            var lines = LineReader(inbound.makeAsyncIterator())
            let greeting = try await lines.next()
            #expect(greeting == "* OK plain greeting")
            try await outbound.write(ByteBuffer(string: "a STARTTLS\r\n"))
            let goAhead = try await lines.next()
            #expect(goAhead == "a OK begin TLS")
            let handshake = try await channel.channel.eventLoop.submit {
                let tls = TLSClientHandler(context: tlsContext, serverName: "localhost")
                try channel.channel.pipeline.syncOperations.addHandler(tls, position: .first)
                return tls.handshakeFuture
            }.get()
            // Written before the handshake completes: held back, then encrypted.
            try await outbound.write(ByteBuffer(string: "b NOOP\r\n"))
            #expect(try await handshake.get().protocolVersion == "TLSv1.3")
            let answer = try await lines.next()
            #expect(answer == "secure:b NOOP")
            // The server's close_notify ends the stream cleanly.
            return try await lines.next()
        }
        #expect(tail == nil)
        let status = try await server.wait(timeout: .seconds(30))
        #expect(status == 0, "\(server.stderr)")
        #expect(server.stdout.contains("UNWRAPPED"))
    }

    /// 20 MiB download from `s_server -WWW`, checksummed.
    @Test func largeDownload() async throws {
        let pki = try await TestPKI.shared.value
        let dir = try TemporaryDirectory(prefix: "openssl-kit-www")
        let size = 20 * 1024 * 1024
        let made = try await runCommand("/bin/sh", ["-c", "head -c \(size) /dev/urandom > \"$0\"", dir.file("big.bin")])
        #expect(made.status == 0)
        let expected = SHA256.hexDigest(try Data(contentsOf: URL(fileURLWithPath: dir.file("big.bin"))))
        let server = try await OpenSSLServer.start(certificate: pki.serverCert, key: pki.serverKey, ["-WWW"],
                                                   workingDirectory: dir.path)
        let (channel, handshake) = try await connectTLS(port: server.port, TLSConfiguration(caFile: pki.caFile),
                                                        serverName: "localhost")
        _ = try await handshake.get()
        let start = ContinuousClock.now
        let (bodySize, digest) = try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: "GET /big.bin HTTP/1.0\r\n\r\n"))
            var header = ByteBuffer()
            var inBody = false
            var hasher = SHA256()
            var bodySize = 0
            for try await chunk in inbound {
                if inBody {
                    bodySize += chunk.readableBytes
                    hasher.update(chunk.readableBytesView)
                    continue
                }
                var chunk = chunk
                header.writeBuffer(&chunk)
                let view = Array(header.readableBytesView)
                if let end = view.indices.first(where: { view[$0...].starts(with: [13, 10, 13, 10]) }) {
                    inBody = true
                    let body = view[(end + 4)...]
                    bodySize += body.count
                    hasher.update(body)
                }
            }
            return (bodySize, hex(hasher.finalize()))
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("TLS download: \(size / 1_048_576) MiB in \(elapsed) = \(Int(Double(size) / 1_048_576 / seconds)) MiB/s")
        #expect(bodySize == size)
        #expect(digest == expected)
    }

    /// 8 MiB written in one buffer through `s_server -rev`, answered line by line, checksummed.
    @Test func largeEcho() async throws {
        let pki = try await TestPKI.shared.value
        let server = try await OpenSSLServer.start(certificate: pki.serverCert, key: pki.serverKey, ["-rev"])
        let (channel, handshake) = try await connectTLS(port: server.port, TLSConfiguration(caFile: pki.caFile),
                                                        serverName: "localhost")
        _ = try await handshake.get()
        var payload = ByteBuffer()
        var expected = SHA256()
        var seed: UInt32 = 12345
        let lineLength = 1023
        var line = [UInt8](repeating: 0, count: lineLength)
        for _ in 0..<(8 * 1024) {
            for i in 0..<lineLength {
                seed = seed &* 1_103_515_245 &+ 12345
                line[i] = UInt8(ascii: "a") + UInt8((seed >> 16) % 26)
            }
            payload.writeBytes(line)
            payload.writeInteger(UInt8(ascii: "\n"))
            expected.update(line.reversed())
            expected.update([UInt8(ascii: "\n")])
        }
        let total = payload.readableBytes
        let expectedDigest = hex(expected.finalize())
        let digest = try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(payload)
            var hasher = SHA256()
            var received = 0
            for try await chunk in inbound {
                received += chunk.readableBytes
                hasher.update(chunk.readableBytesView)
                if received >= total { break }
            }
            return hex(hasher.finalize())
        }
        #expect(digest == expectedDigest)
    }
}

/// Reads CRLF-terminated lines from an async byte stream.
struct LineReader {
    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private var buffer = ByteBuffer()

    init(_ iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) { self.iterator = iterator }

    /// The next line without its CRLF, or nil at the end of the stream.
    mutating func next() async throws -> String? {
        while true {
            if let index = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                let length = index - buffer.readerIndex + 1
                var line = buffer.readBytes(length: length) ?? []
                while let last = line.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard var chunk = try await iterator.next() else { return nil }
            buffer.writeBuffer(&chunk)
        }
    }
}

@Suite(.timeLimit(.minutes(1))) struct TLSHalfClosureTests {
    /// We close our output (close_notify + TCP half-close), the server still answers, then sends
    /// its own close_notify, which ends our inbound stream.
    @Test func outputHalfClosureThenServerCloseNotify() async throws {
        let pki = try await TestPKI.shared.value
        let server = try await PythonTLSServer.start(name: "half", certificate: pki.serverCert, key: pki.serverKey, body: """
        t = ctx.wrap_socket(s.accept()[0], server_side=True)
        data = b""
        while True:
            d = t.recv(4096)
            if not d: break
            data += d
        print("CLOSE_NOTIFY_RECEIVED", flush=True)
        t.sendall(b"after your close: " + data)
        t.unwrap()
        print("DONE", flush=True)
        """)
        let tlsContext = try TLSContext(configuration: TLSConfiguration(caFile: pki.caFile))
        let (channel, handshake) = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .connect(host: "127.0.0.1", port: server.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let tls = TLSClientHandler(context: tlsContext, serverName: "localhost")
                    try channel.pipeline.syncOperations.addHandler(tls)
                    let wrapped = try TLSAsyncChannel(wrappingChannelSynchronously: channel,
                                                      configuration: .init(isOutboundHalfClosureEnabled: true))
                    return (wrapped, tls.handshakeFuture)
                }
            }
        _ = try await handshake.get()
        let received = try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: "half"))
            outbound.finish()
            var received = ByteBuffer()
            for try await chunk in inbound {
                var chunk = chunk
                received.writeBuffer(&chunk)
            }
            return String(buffer: received)
        }
        #expect(received == "after your close: half")
        let status = try await server.wait(timeout: .seconds(30))
        #expect(status == 0, "\(server.stderr)")
        #expect(server.stdout.contains("DONE"))
    }
}
