import IMAPCore
import Logging
import NIOCore
import OpenSSLKit

/// One authenticated IMAP connection, owned by one task (it is deliberately not `Sendable`).
///
/// Commands are sent at once and awaited later (`send` / `wait`), so callers pipeline freely;
/// responses are read only while someone waits, so a slow consumer of a FETCH stream slows the
/// socket down instead of growing memory. Open one with `IMAPSession.withSession`.
public final class IMAPSession {
    public let configuration: IMAPClientConfiguration
    /// Capabilities as last advertised, upper-cased.
    public internal(set) var capabilities: Set<String> = []
    /// Extensions the server confirmed in ENABLED.
    public internal(set) var enabled: Set<String> = []
    /// The mailbox currently selected, if any.
    public internal(set) var selectedMailbox: String?
    /// TLS protocol and cipher when the stream is encrypted.
    public internal(set) var tlsDescription: String?
    public internal(set) var compressionActive = false
    let logger: Logger

    let transport: IMAPTransport
    let tlsContext: TLSContext?
    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var parser = ResponseParser()
    private var pending = ByteBuffer()
    private var pipeline = CommandPipeline()
    private var nextTag = 1
    private var finished: [String: TaggedResponse] = [:]
    private var byeText: String?
    private var broken: IMAPClientError?

    init(configuration: IMAPClientConfiguration, transport: IMAPTransport, tlsContext: TLSContext?,
         inbound: NIOAsyncChannelInboundStream<ByteBuffer>, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
         logger: Logger) {
        self.configuration = configuration
        self.transport = transport
        self.tlsContext = tlsContext
        self.iterator = inbound.makeAsyncIterator()
        self.outbound = outbound
        self.logger = logger
    }

    public func hasCapability(_ name: String) -> Bool { capabilities.contains(name.uppercased()) }

    // MARK: - Sending and waiting

    /// Encodes and submits `command`; writes whatever the pipelining rules allow now.
    /// Returns the tag to `wait` for.
    @discardableResult
    func send(_ command: Command, kind: CommandPipeline.Kind = .ordinary) async throws -> String {
        try checkUsable()
        let tag = "A\(nextTag)"
        nextTag += 1
        let encoded = CommandEncoder(literalPlus: hasCapability("LITERAL+")).encode(command, tag: tag)
        try await write(pipeline.submit(tag: tag, parts: encoded.parts, kind: kind))
        return tag
    }

    /// Reads responses until the tagged response for `tag` arrives. Untagged data and FETCH
    /// stream events are first absorbed by the session (capabilities, BYE…) then given to
    /// `onEvent`; continuation requests that belong to the caller go to `onContinuation`, whose
    /// answer (if any) is written.
    func wait(_ tag: String,
              onEvent: (ResponseEvent) async throws -> Void = { _ in },
              onContinuation: ((String) async throws -> ByteBuffer?)? = nil) async throws -> TaggedResponse {
        transport.timeout.arm()
        defer { if pipeline.isIdle { transport.timeout.disarm() } }
        while true {
            if let done = finished.removeValue(forKey: tag) { return done }
            let event = try await nextEvent()
            switch event {
            case .tagged(let response):
                do {
                    try await write(pipeline.completed(tag: response.tag))
                } catch let error as CommandPipeline.PipelineError {
                    throw fail(.protocolError("tagged response for a tag never sent: \(error)"))
                }
                absorbCode(response.code)
                if response.tag == tag { return response }
                finished[response.tag] = response
            case .continuation(let text):
                let outcome: CommandPipeline.ContinuationOutcome
                do {
                    outcome = try pipeline.continuation()
                } catch {
                    throw fail(.protocolError("continuation request with nothing waiting for it"))
                }
                switch outcome {
                case .write(let buffers):
                    try await write(buffers)
                case .deliver:
                    guard let onContinuation else { throw fail(.protocolError("unexpected continuation request")) }
                    if let answer = try await onContinuation(text) { try await write([answer]) }
                }
            default:
                absorb(event)
                try await onEvent(event)
            }
        }
    }

    /// Sends `command`, waits for it, and throws `commandFailed` unless the answer is OK.
    @discardableResult
    func run(_ command: Command, name: String, kind: CommandPipeline.Kind = .ordinary,
             onEvent: (ResponseEvent) async throws -> Void = { _ in }) async throws -> TaggedResponse {
        let tag = try await send(command, kind: kind)
        return try checked(await wait(tag, onEvent: onEvent), command: name)
    }

    func checked(_ response: TaggedResponse, command: String) throws(IMAPClientError) -> TaggedResponse {
        guard response.state == .ok else {
            throw .commandFailed(command: command, status: "\(response.state)".uppercased(), text: response.text,
                                 code: response.code.map { "\($0)" })
        }
        return response
    }

    /// The next parsed event, reading from the network as needed.
    func nextEvent() async throws -> ResponseEvent {
        try checkUsable()
        while true {
            do {
                if let event = try parser.next(&pending) { return event }
            } catch {
                throw fail(.protocolError("\(error)"))
            }
            let chunk: ByteBuffer?
            do {
                chunk = try await iterator.next()
            } catch let error as TLSError {
                throw fail(.tls(error))
            } catch let error as IMAPClientError {
                throw fail(error)
            } catch {
                throw fail(transport.timeout.expiredError ?? .connectionClosed("\(error)"))
            }
            guard var chunk else {
                if let byeText { throw fail(.bye(byeText)) }
                if let exit = transport.tunnel?.exitDescription { throw fail(.connectionClosed(exit)) }
                throw fail(.connectionClosed("the server closed the connection"))
            }
            if pending.readableBytes == 0 {
                pending = chunk
            } else {
                pending.discardReadBytes()
                pending.writeBuffer(&chunk)
            }
        }
    }

    func write(_ buffers: [ByteBuffer]) async throws {
        guard !buffers.isEmpty else { return }
        do {
            try await outbound.write(contentsOf: buffers)
        } catch {
            throw fail(transport.timeout.expiredError ?? .connectionClosed("write failed: \(error)"))
        }
    }

    /// No command is waiting to be written or answered.
    var hasNothingInFlight: Bool { pipeline.isIdle }

    /// Bytes received but not yet parsed (must be empty when the stream changes, e.g. STARTTLS).
    var unparsedByteCount: Int { pending.readableBytes }

    // MARK: - Session state from untagged data

    private func absorb(_ event: ResponseEvent) {
        guard case .untagged(let response) = event else { return }
        switch response {
        case .capability(let caps):
            capabilities = Set(caps.map { $0.rawValue.uppercased() })
        case .enabled(let caps):
            enabled.formUnion(caps.map { $0.rawValue.uppercased() })
        case .condition(let state, let code, let text):
            if state == .bye { byeText = text }
            absorbCode(code)
        default:
            break
        }
    }

    private func absorbCode(_ code: ResponseCode?) {
        if case .capability(let caps)? = code { capabilities = Set(caps.map { $0.rawValue.uppercased() }) }
    }

    private func checkUsable() throws(IMAPClientError) {
        if let broken { throw broken }
    }

    /// Marks the session unusable (a protocol error leaves the stream in an unknown state).
    private func fail(_ error: IMAPClientError) -> IMAPClientError {
        if broken == nil { broken = error }
        return error
    }
}
