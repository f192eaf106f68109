import IMAPCore
import NIOCore

// libFuzzer target over ResponseParser: every input is fed whole, split at one point derived
// from its bytes, and one byte at a time. All three must give the same events and the same
// outcome, and none may crash, trap, loop or allocate by a number the input announces.

/// Small limits, so that inputs of the size fuzz.sh allows (1 KiB) reach every limit.
let limits = ResponseParser.Limits(maxLineLength: 256, maxDepth: 8, maxLiteralSize: 512)

/// What one way of feeding produced: events (body chunks merged), how it ended, bytes left.
struct Outcome: Equatable {
    var events: [ResponseEvent] = []
    var error: String?
    var leftover = 0
    /// Body bytes not yet added to `events`: chunks depend on the reads, so they are compared
    /// joined (and joined here, not by appending to the last event, which would copy each time).
    private var body: ByteBuffer?

    mutating func add(_ event: ResponseEvent) {
        guard case .fetch(.bodyBytes(var chunk)) = event else {
            flushBody()
            events.append(event)
            return
        }
        if var pending = body {
            body = nil  // so that `pending` is the only reference and grows in place
            pending.writeBuffer(&chunk)
            body = pending
        } else {
            body = chunk
        }
    }

    mutating func flushBody() {
        if let body { events.append(.fetch(.bodyBytes(body))) }
        body = nil
    }
}

/// Feeds `input` in pieces starting at `cuts`, draining the parser after each piece; with
/// `discard`, consumed bytes are dropped before each append (as a channel handler would).
func feed(_ input: UnsafeBufferPointer<UInt8>, cuts: some Sequence<Int>, discard: Bool = true) -> Outcome {
    var parser = ResponseParser(limits: limits)
    var buffer = ByteBuffer()
    var outcome = Outcome()
    var start = 0
    // Each call either returns nil, throws, or produces an event that consumed bytes or came
    // from a queue bounded by the response: more calls than this is a loop.
    var budget = 4 * input.count + 64
    func drain() -> Bool {
        while true {
            budget -= 1
            if budget < 0 { fatalError("parser loops without consuming input") }
            do {
                guard let event = try parser.next(&buffer) else { return true }
                outcome.add(event)
            } catch {
                outcome.error = kind(error)
                return false
            }
        }
    }
    for stop in cuts where stop > start && stop < input.count {
        buffer.writeBytes(UnsafeBufferPointer(rebasing: input[start..<stop]))
        start = stop
        if discard { buffer.discardReadBytes() }
        guard drain() else { return finish(outcome, buffer) }
    }
    buffer.writeBytes(UnsafeBufferPointer(rebasing: input[start...]))
    _ = drain()
    return finish(outcome, buffer)
}

func finish(_ outcome: Outcome, _ buffer: ByteBuffer) -> Outcome {
    var outcome = outcome
    outcome.flushBody()
    // After an error the stream is abandoned: what is left over does not matter.
    outcome.leftover = outcome.error == nil ? buffer.readableBytes : 0
    return outcome
}

func kind(_ error: IMAPParseError) -> String {
    switch error {
    case .invalid: return "invalid"
    case .lineTooLong: return "lineTooLong"
    case .tooDeep: return "tooDeep"
    case .literalTooLarge: return "literalTooLarge"
    }
}

/// A split point that depends only on the input (FNV-1a), so a crash reproduces.
func splitPoint(_ input: UnsafeBufferPointer<UInt8>) -> Int {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in input { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    return Int(hash % UInt64(input.count + 1))
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzResponseParser(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)
    let whole = feed(input, cuts: [])
    let split = feed(input, cuts: [splitPoint(input)])
    // Without discarding: moving a long unconsumed line at every byte would make it quadratic.
    let single = feed(input, cuts: 1..<max(1, size), discard: false)
    if split != whole { fatalError("split feed differs: \(whole) vs \(split)") }
    if single != whole { fatalError("byte-at-a-time feed differs: \(whole) vs \(single)") }
    return 0
}
