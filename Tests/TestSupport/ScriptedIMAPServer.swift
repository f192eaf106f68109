import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A tiny TCP server on 127.0.0.1 (free port) that plays an `IMAPScript` on each connection, for
/// the client's error paths: garbage, literals cut short, `* BYE`, a close, or a stall. Connection
/// number n plays `scripts[n]` (the last script once they run out). It records every line the
/// clients send and every expectation that failed.
public final class ScriptedIMAPServer: Sendable {
    public let host = "127.0.0.1"
    public let port: Int
    private let channel: any Channel
    private let recorder: ScriptRecorder

    private init(channel: any Channel, port: Int, recorder: ScriptRecorder) {
        self.channel = channel
        self.port = port
        self.recorder = recorder
    }

    public static func start(script: IMAPScript) async throws -> ScriptedIMAPServer {
        try await start(scripts: [script])
    }

    public static func start(scripts: [IMAPScript]) async throws -> ScriptedIMAPServer {
        guard !scripts.isEmpty else { throw TestHarnessError("ScriptedIMAPServer needs a script") }
        let recorder = ScriptRecorder()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    let number = recorder.connectionOpened(child)
                    let script = scripts[min(number, scripts.count - 1)]
                    try child.pipeline.syncOperations.addHandler(ScriptPlayer(steps: script.steps, recorder: recorder))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        guard let port = channel.localAddress?.port else {
            channel.close(promise: nil)
            throw TestHarnessError("ScriptedIMAPServer: no local port")
        }
        return ScriptedIMAPServer(channel: channel, port: port, recorder: recorder)
    }

    /// Lines received from all clients, in arrival order, without CRLF.
    public var receivedLines: [String] { recorder.state.withLockedValue { $0.lines } }
    /// Expectations that failed ("step 2: expected prefix "A1 LOGIN", got "A1 CAPABILITY"").
    public var mismatches: [String] { recorder.state.withLockedValue { $0.mismatches } }
    /// Connections accepted so far.
    public var connectionCount: Int { recorder.state.withLockedValue { $0.connections } }

    /// Returns once `connections` connections have played their script to its end (a close, a
    /// stall, the last step or a mismatch) or were closed by the client.
    public func waitUntilFinished(connections: Int = 1) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = recorder.state.withLockedValue { state -> Bool in
                if state.finished >= connections { return true }
                state.waiters.append((connections, continuation))
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Closes the listener and every open connection (stalled ones included).
    public func stop() async {
        let children = recorder.state.withLockedValue { $0.open }
        for child in children.values { try? await child.close() }
        try? await channel.close()
    }

    deinit {
        let children = recorder.state.withLockedValue { $0.open }
        for child in children.values { child.close(promise: nil) }
        channel.close(promise: nil)
    }
}

/// Shared record of what the connections did.
final class ScriptRecorder: Sendable {
    struct State {
        var lines: [String] = []
        var mismatches: [String] = []
        var connections = 0
        var finished = 0
        var waiters: [(Int, CheckedContinuation<Void, Never>)] = []
        var open: [ObjectIdentifier: any Channel] = [:]
    }

    let state = NIOLockedValueBox(State())

    /// Registers a connection and returns its number (0-based).
    func connectionOpened(_ channel: any Channel) -> Int {
        state.withLockedValue { state in
            state.open[ObjectIdentifier(channel)] = channel
            state.connections += 1
            return state.connections - 1
        }
    }

    func connectionClosed(_ channel: any Channel) {
        _ = state.withLockedValue { $0.open.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    func received(_ line: String) { state.withLockedValue { $0.lines.append(line) } }

    func mismatch(_ text: String) { state.withLockedValue { $0.mismatches.append(text) } }

    func scriptFinished() {
        let ready = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.finished += 1
            let finished = state.finished
            let ready = state.waiters.filter { $0.0 <= finished }.map(\.1)
            state.waiters.removeAll { $0.0 <= finished }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }
}

/// Plays one script on one connection. Runs on the channel's event loop only.
final class ScriptPlayer: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let steps: [IMAPScript.Step]
    private let recorder: ScriptRecorder
    private var index = 0
    private var input = ByteBuffer()
    private var tag = "*"
    private var finished = false
    private var stalled = false

    init(steps: [IMAPScript.Step], recorder: ScriptRecorder) {
        self.steps = steps
        self.recorder = recorder
    }

    func channelActive(context: ChannelHandlerContext) {
        play(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        input.writeBuffer(&bytes)
        play(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        recorder.connectionClosed(context.channel)
        finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func play(context: ChannelHandlerContext) {
        defer { context.flush() }
        while !finished && !stalled && index < steps.count {
            switch steps[index] {
            case .send(let bytes):
                context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
            case .sendTagged(let text):
                context.write(wrapOutboundOut(context.channel.allocator.buffer(string: "\(tag) \(text)\r\n")), promise: nil)
            case .expect(let prefix):
                guard let line = nextLine() else { return }
                guard line.hasPrefix(prefix) else {
                    return fail(context: context, "step \(index): expected prefix \"\(prefix)\", got \"\(line)\"")
                }
            case .expectCommand(let name):
                guard let line = nextLine() else { return }
                let words = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
                guard words.count >= 2, words[1].uppercased() == name.uppercased() else {
                    return fail(context: context, "step \(index): expected command \(name), got \"\(line)\"")
                }
                tag = String(words[0])
            case .close:
                index += 1
                finish()
                context.flush()
                context.close(promise: nil)
                return
            case .stall:
                stalled = true
                finish()
            }
            index += 1
        }
        if index == steps.count { finish() }
        // After the script (or in a stall), keep recording what the client says.
        while finished, nextLine() != nil {}
    }

    /// The next complete line from the client (without CRLF), recorded; nil until one is complete.
    private func nextLine() -> String? {
        let view = input.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let length = newline - view.startIndex + 1
        guard var bytes = input.readBytes(length: length) else { return nil }
        bytes.removeLast()
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        input.discardReadBytes()
        let line = String(decoding: bytes, as: UTF8.self)
        recorder.received(line)
        return line
    }

    private func fail(context: ChannelHandlerContext, _ text: String) {
        recorder.mismatch(text)
        finish()
        context.flush()
        context.close(promise: nil)
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        recorder.scriptFinished()
    }
}
