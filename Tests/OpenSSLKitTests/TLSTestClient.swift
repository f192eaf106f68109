import NIOCore
import NIOPosix
import OpenSSLKit
import TestSupport

typealias TLSAsyncChannel = NIOAsyncChannel<ByteBuffer, ByteBuffer>

/// Connects to 127.0.0.1:`port` with a `TLSClientHandler` under a `NIOAsyncChannel`, the way the
/// IMAP and NATS clients do.
func connectTLS(port: Int, _ configuration: TLSConfiguration, serverName: String?) async throws
    -> (channel: TLSAsyncChannel, handshake: EventLoopFuture<TLSHandshakeCompleted>) {
    try await connectTLS(port: port, context: TLSContext(configuration: configuration), serverName: serverName)
}

/// The same through an existing context; with a `sessionKey`, the connection offers (and then
/// keeps) the context's session for that key.
func connectTLS(port: Int, context: TLSContext, serverName: String?, sessionKey: String? = nil) async throws
    -> (channel: TLSAsyncChannel, handshake: EventLoopFuture<TLSHandshakeCompleted>) {
    try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                let tls = TLSClientHandler(context: context, serverName: serverName, sessionKey: sessionKey)
                try channel.pipeline.syncOperations.addHandler(tls)
                let wrapped = try TLSAsyncChannel(wrappingChannelSynchronously: channel)
                return (wrapped, tls.handshakeFuture)
            }
        }
}

/// The handshake error, checking that the inbound stream ends with the same error.
func handshakeFailure(port: Int, _ configuration: TLSConfiguration, serverName: String?) async throws -> TLSError? {
    let (channel, handshake) = try await connectTLS(port: port, configuration, serverName: serverName)
    do {
        let completed = try await handshake.get()
        try await channel.executeThenClose { _, _ in }
        throw TestHarnessError("handshake unexpectedly succeeded: \(completed)")
    } catch let error as TLSError {
        var streamError: (any Error)?
        do {
            try await channel.executeThenClose { inbound, _ in for try await _ in inbound {} }
        } catch {
            streamError = error
        }
        guard let streamError = streamError as? TLSError, streamError == error else {
            throw TestHarnessError("the inbound stream did not end with \(error), but \(String(describing: streamError))")
        }
        return error
    }
}

/// Sends `text` to an `s_server -rev` and returns what came back once `text.count` bytes arrived.
func reverseEcho(_ channel: TLSAsyncChannel, _ text: String) async throws -> String {
    try await channel.executeThenClose { inbound, outbound in
        try await outbound.write(ByteBuffer(string: text))
        var received = ByteBuffer()
        for try await chunk in inbound {
            var chunk = chunk
            received.writeBuffer(&chunk)
            if received.readableBytes >= text.utf8.count { break }
        }
        return String(buffer: received)
    }
}

/// What `s_server -rev` answers to `text` (each line reversed).
func reversedLines(_ text: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0.reversed()) }.joined(separator: "\n")
}
