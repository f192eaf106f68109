import IMAPClient
import IMAPCore
import NIOCore

// libFuzzer target over the session state machine (through IMAPClient's package-only
// SessionStateMachineDriver). Input layout:
//   byte 0      capabilities offered in the greeting (bit 0 SASL-IR, 1 ESEARCH, 2 LITERAL+, 3 UIDPLUS)
//   byte 1      number of commands (1…6); then 2 bytes per command (kind, parameter)
//   the rest    server bytes, parsed by ResponseParser and fed in pieces whose lengths and the
//               events between them (write completed, tick, end IDLE, reads paused) come from a
//               generator seeded by the input's hash.
// Invariants (a trap is a finding): a command completes or fails at most once and gets no data
// afterwards; nothing is written after a close; the machine's state stays bounded; after the
// channel closes the machine is closed, holds no command, and every command was finished or
// covered by a close action.

let limits = ResponseParser.Limits(maxLineLength: 256, maxDepth: 8, maxLiteralSize: 512)
let base = NIODeadline.uptimeNanoseconds(1_000_000_000)
let commandTimeout = TimeAmount.seconds(5)

/// A deterministic generator seeded by the input (FNV-1a), so that a crash reproduces.
struct Generator {
    var state: UInt64
    init(_ input: UnsafeBufferPointer<UInt8>) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in input { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        state = hash | 1
    }
    mutating func next(_ bound: Int) -> Int {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Int(state % UInt64(bound))
    }
}

/// Checks every effect against what was seen before.
struct Checker {
    var submitted: Set<String> = []
    var finished: Set<String> = []
    var closed = false
    var writes = 0
    var completedWrites = 0
    var events = 0

    mutating func check(_ effects: [SessionStateMachineDriver.Effect]) {
        for effect in effects {
            switch effect {
            case .write:
                if closed { fatalError("write after close") }
                writes += 1
            case .complete(let tag), .fail(let tag):
                // The session's own commands (the UID map's SEARCH) complete silently.
                if !submitted.contains(tag) { fatalError("completion of unknown tag \(tag)") }
                if finished.contains(tag) { fatalError("\(tag) finished twice") }
                if closed, case .complete = effect { fatalError("\(tag) completed after close") }
                finished.insert(tag)
            case .data(let tag), .idleStarted(let tag), .switchStream(let tag):
                if closed { fatalError("data for \(tag) after close") }
                if finished.contains(tag) { fatalError("data for \(tag) after its completion") }
            case .close:
                if closed { fatalError("closed twice") }
                closed = true
            case .unsolicited, .sessionChanged:
                if closed { fatalError("event after close") }
            case .greeted:
                break
            }
        }
    }

    func checkBounds(_ driver: SessionStateMachineDriver) {
        let size = driver.size
        // Each submitted command, plus at most one UID-map SEARCH per SELECT.
        if size.commands > 2 * submitted.count + 1 { fatalError("\(size.commands) commands held") }
        if size.pendingWrites > writes { fatalError("\(size.pendingWrites) pending writes of \(writes)") }
        if size.pendingWrites < 0 { fatalError("negative pending writes") }
        // Attributes of one FETCH are held until its owner is known: never more than were parsed.
        if size.heldFetchAttributes > events { fatalError("\(size.heldFetchAttributes) attributes held") }
        if size.mappedUIDs > SessionStateMachineDriver.maxMappedMessages { fatalError("UID map beyond its limit") }
        if driver.isClosed, size.commands != 0 { fatalError("closed machine holds commands") }
    }
}

func submission(_ kind: UInt8, _ parameter: UInt8) -> SessionStateMachineDriver.Submission {
    switch kind % 9 {
    case 0: return .uidStore(UInt32(parameter) + 1)
    case 1: return .uidFetch(1...(UInt32(parameter) + 1))
    case 2: return .select(readOnly: parameter & 1 == 1)
    case 3: return .append(size: Int(parameter))
    case 4: return .idle
    case 5: return .authenticatePlain
    case 6: return .authenticateLogin
    case 7: return .streamedAppend(size: Int(parameter >> 1), short: parameter & 1 == 1)
    default: return .noop
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSessionStateMachine(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size >= 2 else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)
    var generator = Generator(input)
    var now = base
    var driver = SessionStateMachineDriver(commandTimeout: commandTimeout, now: now)
    var checker = Checker()

    // The greeting, then the commands.
    let flags = input[0]
    var caps = ["IMAP4rev1", "IDLE", "AUTH=PLAIN", "AUTH=LOGIN", "MULTIAPPEND"]
    if flags & 1 != 0 { caps.append("SASL-IR") }
    if flags & 2 != 0 { caps.append("ESEARCH") }
    if flags & 4 != 0 { caps.append("LITERAL+") }
    if flags & 8 != 0 { caps.append("UIDPLUS") }
    var parser = ResponseParser(limits: limits)
    var greeting = ByteBuffer(string: "* OK [CAPABILITY \(caps.joined(separator: " "))] ready\r\n")
    while let event = try? parser.next(&greeting) { checker.check(driver.received(event, now: now)) }

    let count = 1 + Int(input[1] % 6)
    var offset = 2
    var idleTags: [String] = []
    for _ in 0..<count where offset + 1 < size {
        let what = submission(input[offset], input[offset + 1])
        offset += 2
        let (tag, effects) = driver.submit(what, now: now)
        checker.submitted.insert(tag)
        checker.check(effects)
        if case .idle = what { idleTags.append(tag) }
    }

    // The server's bytes, in pieces, with other events between them.
    var buffer = ByteBuffer()
    var parseFailed = false
    while offset < size, !parseFailed {
        let end = min(size, offset + 1 + generator.next(48))
        buffer.writeBytes(UnsafeBufferPointer(rebasing: input[offset..<end]))
        offset = end
        buffer.discardReadBytes()
        // Each call consumes bytes or comes from a queue bounded by the response.
        var budget = 4 * size + 64
        while true {
            budget -= 1
            if budget < 0 { fatalError("parser loops without consuming input") }
            let event: ResponseEvent?
            do {
                event = try parser.next(&buffer)
            } catch {
                checker.check(driver.parseFailed())
                parseFailed = true
                break
            }
            guard let event else { break }
            checker.events += 1
            checker.check(driver.received(event, now: now))
            checker.checkBounds(driver)
        }
        switch generator.next(6) {
        case 0:
            if checker.completedWrites < checker.writes {
                checker.completedWrites += 1
                driver.writeCompleted(now: now)
            }
        case 1:
            now = now + .milliseconds(Int64(generator.next(8000)))
            checker.check(driver.tick(now: now))
        case 2:
            if let tag = idleTags.first { checker.check(driver.endIdle(tag: tag, now: now)) }
        case 3:
            driver.readsPaused(generator.next(2) == 0, now: now)
        default:
            break
        }
        checker.checkBounds(driver)
    }

    // The channel closes: afterwards nothing is outstanding.
    checker.check(driver.channelClosed(orderly: generator.next(2) == 0))
    checker.checkBounds(driver)
    if !driver.isClosed { fatalError("machine not closed after the channel closed") }
    if !checker.closed, checker.finished != checker.submitted {
        fatalError("commands left unfinished without a close: \(checker.submitted.subtracting(checker.finished))")
    }
    // A closed machine fails what is submitted and ignores the server.
    let (late, effects) = driver.submit(.noop, now: now)
    if effects != [.fail(tag: late)] { fatalError("a command after close got \(effects)") }
    var bye = ByteBuffer(string: "* BYE late\r\n")
    var lateParser = ResponseParser()
    if let event = try? lateParser.next(&bye), !driver.received(event, now: now).isEmpty {
        fatalError("a closed machine acted on server data")
    }
    return 0
}
