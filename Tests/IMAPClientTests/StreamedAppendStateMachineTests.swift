import IMAPCore
import NIOCore
import Testing
@testable import IMAPClient

/// The streamed APPEND's protocol logic without a socket: when bodies may be written, what goes
/// on the wire, and how a wrong byte count cancels the command.
@Suite struct StreamedAppendStateMachineTests {
    private let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    private func ready(_ capabilities: String) -> SessionStateMachine {
        var machine = SessionStateMachine(timeouts: .init(greeting: .seconds(10), command: .seconds(5)), now: start)
        _ = feed(&machine, "* OK [CAPABILITY \(capabilities)] ready\r\n")
        return machine
    }

    private func feed(_ machine: inout SessionStateMachine, _ text: String) -> [SessionAction] {
        var parser = ResponseParser()
        var buffer = ByteBuffer(string: text)
        var actions: [SessionAction] = []
        while let event = try? parser.next(&buffer) { actions += machine.received(event, now: start) }
        return actions.filter { if case .sessionChanged = $0 { false } else { true } }
    }

    private func written(_ actions: [SessionAction]) -> String {
        actions.flatMap { action -> [String] in
            guard case .write(let buffers) = action else { return [] }
            return buffers.map { String(buffer: $0) }
        }.joined()
    }

    private func readies(_ actions: [SessionAction]) -> [String] {
        actions.compactMap { if case .appendReady(let tag) = $0 { tag } else { nil } }
    }

    private let date = InternalDate(epoch: 1_700_000_000, utcOffsetMinutes: 60)

    @Test func literalPlusMultiappendStreamsChunksAndHoldsTheWriter() {
        var machine = ready("IMAP4rev1 LITERAL+ MULTIAPPEND")
        let first = AppendLiteralHeader(flags: [.seen], internalDate: date, byteCount: 5)
        let (tag, opened) = machine.submitStreamedAppend(to: "Sent", first: first, now: start)
        #expect(written(opened) == "\(tag) APPEND Sent (\\Seen) \"14-Nov-2023 23:13:20 +0100\" {5+}\r\n")
        #expect(readies(opened) == [tag])
        // A command submitted meanwhile waits: it would land inside the literal.
        let (noop, held) = machine.submit(.noop, role: .plain, now: start)
        #expect(written(held).isEmpty)
        #expect(written(machine.appendChunk(tag: tag, ByteBuffer(string: "he"), now: start)) == "he")
        #expect(written(machine.appendChunk(tag: tag, ByteBuffer(string: "llo"), now: start)) == "llo")
        #expect(machine.appendBodyEnd(tag: tag).isEmpty)
        let next = machine.appendNext(tag: tag, AppendLiteralHeader(byteCount: 2), now: start)
        #expect(written(next) == " {2+}\r\n")
        #expect(readies(next) == [tag])
        _ = machine.appendChunk(tag: tag, ByteBuffer(string: "ok"), now: start)
        _ = machine.appendBodyEnd(tag: tag)
        // The end of the command releases the writer: the NOOP goes out right after it.
        #expect(written(machine.appendFinish(tag: tag)) == "\r\n\(noop) NOOP\r\n")
        let done = feed(&machine, "\(tag) OK [APPENDUID 9 4:5] appended\r\n")
        #expect(done.contains { if case .complete(tag, _) = $0 { true } else { false } })
    }

    @Test func synchronisingLiteralsWaitForEachContinuation() {
        var machine = ready("IMAP4rev1 MULTIAPPEND")
        let (tag, opened) = machine.submitStreamedAppend(to: "INBOX", first: AppendLiteralHeader(byteCount: 3), now: start)
        #expect(written(opened) == "\(tag) APPEND INBOX {3}\r\n")
        #expect(readies(opened).isEmpty)
        // Writing before the "+" is refused (nothing goes out).
        #expect(machine.appendChunk(tag: tag, ByteBuffer(string: "abc"), now: start).isEmpty)
        #expect(readies(feed(&machine, "+ OK\r\n")) == [tag])
        #expect(written(machine.appendChunk(tag: tag, ByteBuffer(string: "abc"), now: start)) == "abc")
        _ = machine.appendBodyEnd(tag: tag)
        let next = machine.appendNext(tag: tag, AppendLiteralHeader(flags: [.flagged], byteCount: 1), now: start)
        #expect(written(next) == " (\\Flagged) {1}\r\n")
        #expect(readies(next).isEmpty)
        #expect(readies(feed(&machine, "+ OK\r\n")) == [tag])
        _ = machine.appendChunk(tag: tag, ByteBuffer(string: "z"), now: start)
        _ = machine.appendBodyEnd(tag: tag)
        #expect(written(machine.appendFinish(tag: tag)) == "\r\n")
        _ = feed(&machine, "\(tag) OK appended\r\n")
        #expect(machine.isIdle)
    }

    @Test func aStreamBehindAnotherLiteralStartsWhenItIsWritten() {
        var machine = ready("IMAP4rev1")
        let message = AppendMessage(data: ByteBuffer(string: "xy"))
        let (a, _) = machine.submit(.append("A", [message]), role: .append, now: start)
        let (b, opened) = machine.submitStreamedAppend(to: "B", first: AppendLiteralHeader(byteCount: 1), now: start)
        #expect(written(opened).isEmpty)
        // A's "+" writes its literal, then B's start (a synchronising literal of its own).
        let continued = feed(&machine, "+ go\r\n")
        #expect(written(continued) == "xy\r\n\(b) APPEND B {1}\r\n")
        #expect(readies(continued).isEmpty)
        #expect(readies(feed(&machine, "+ go\r\n")) == [b])
        _ = feed(&machine, "\(a) OK\r\n")
    }

    @Test func aShortBodyIsPaddedAndTheCommandCancelled() {
        var machine = ready("IMAP4rev1 LITERAL+")
        let (tag, _) = machine.submitStreamedAppend(to: "INBOX", first: AppendLiteralHeader(byteCount: 10), now: start)
        _ = machine.appendChunk(tag: tag, ByteBuffer(string: "abcd"), now: start)
        let cancelled = machine.appendBodyEnd(tag: tag)
        #expect(written(cancelled) == "      " + " CANCELLED\r\n")
        // The server's BAD reaches the caller as the byte-count error.
        let answer = feed(&machine, "\(tag) BAD Invalid arguments\r\n")
        #expect(answer == [.fail(tag: tag, .bodySizeMismatch(announced: 10, received: 4))])
        #expect(machine.isIdle)
    }

    @Test func aLongBodyIsCutAndTheCommandCancelled() {
        var machine = ready("IMAP4rev1 LITERAL+")
        let (tag, _) = machine.submitStreamedAppend(to: "INBOX", first: AppendLiteralHeader(byteCount: 3), now: start)
        let (noop, _) = machine.submit(.noop, role: .plain, now: start)
        let overrun = machine.appendChunk(tag: tag, ByteBuffer(string: "abcdef"), now: start)
        #expect(written(overrun) == "abc CANCELLED\r\n\(noop) NOOP\r\n")
        // Later chunks of the same body go nowhere.
        #expect(machine.appendChunk(tag: tag, ByteBuffer(string: "gh"), now: start).isEmpty)
        let answer = feed(&machine, "\(tag) BAD Invalid arguments\r\n")
        #expect(answer == [.fail(tag: tag, .bodySizeMismatch(announced: 3, received: 6))])
    }

    @Test func cancellingBetweenMessagesAndBeforeTheContinuation() {
        var machine = ready("IMAP4rev1 MULTIAPPEND")
        let (tag, _) = machine.submitStreamedAppend(to: "INBOX", first: AppendLiteralHeader(byteCount: 2), now: start)
        // Cancelled while waiting for "+": the whole literal is padded once it comes.
        #expect(machine.cancelAppend(tag: tag, .configuration("source failed")).isEmpty)
        #expect(written(feed(&machine, "+ go\r\n")) == "   CANCELLED\r\n")
        _ = feed(&machine, "\(tag) BAD Invalid arguments\r\n")

        var plus = ready("IMAP4rev1 LITERAL+ MULTIAPPEND")
        let (second, _) = plus.submitStreamedAppend(to: "INBOX", first: AppendLiteralHeader(byteCount: 1), now: start)
        _ = plus.appendChunk(tag: second, ByteBuffer(string: "a"), now: start)
        _ = plus.appendBodyEnd(tag: second)
        // Between messages there is nothing to pad.
        #expect(written(plus.cancelAppend(tag: second, .configuration("source failed"))) == " CANCELLED\r\n")
        #expect(feed(&plus, "\(second) BAD no\r\n") == [.fail(tag: second, .configuration("source failed"))])
    }

    @Test func aQueuedStreamIsWithdrawnWithoutWritingAnything() {
        var machine = ready("IMAP4rev1")
        let (a, _) = machine.submit(.append("A", [AppendMessage(data: ByteBuffer(string: "x"))]), role: .append, now: start)
        let (b, _) = machine.submitStreamedAppend(to: "B", first: AppendLiteralHeader(byteCount: 1), now: start)
        #expect(machine.cancelAppend(tag: b, .configuration("gone")) == [.fail(tag: b, .configuration("gone"))])
        #expect(written(feed(&machine, "+ go\r\n")) == "x\r\n")
        _ = feed(&machine, "\(a) OK\r\n")
        #expect(machine.isIdle)
    }

    @Test func aRefusedLiteralEndsTheStream() {
        var machine = ready("IMAP4rev1")
        let (tag, _) = machine.submitStreamedAppend(to: "INBOX", first: AppendLiteralHeader(byteCount: 9_999_999), now: start)
        let (noop, _) = machine.submit(.noop, role: .plain, now: start)
        // NO instead of "+": the writer is released, the caller's chunks go nowhere.
        let refused = feed(&machine, "\(tag) NO [TOOBIG] too big\r\n")
        #expect(refused.contains { if case .complete(tag, _) = $0 { true } else { false } })
        #expect(written(refused) == "\(noop) NOOP\r\n")
        #expect(machine.appendChunk(tag: tag, ByteBuffer(string: "a"), now: start).isEmpty)
    }

    @Test func largePaddingIsSharedSlices() {
        var machine = ready("IMAP4rev1 LITERAL+")
        let size = 1_000_000
        let (tag, _) = machine.submitStreamedAppend(to: "INBOX", first: AppendLiteralHeader(byteCount: size), now: start)
        let actions = machine.cancelAppend(tag: tag, .configuration("x"))
        let bytes = actions.reduce(0) { total, action in
            guard case .write(let buffers) = action else { return total }
            return total + buffers.reduce(0) { $0 + $1.readableBytes }
        }
        #expect(bytes == size + " CANCELLED\r\n".utf8.count)
    }

    @Test func theFuzzDriverPlaysTheCaller() {
        var driver = SessionStateMachineDriver(commandTimeout: .seconds(5), now: start)
        var parser = ResponseParser()
        var greeting = ByteBuffer(string: "* OK [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n")
        while let event = try? parser.next(&greeting) { _ = driver.received(event, now: start) }
        let (tag, effects) = driver.submit(.streamedAppend(size: 10, short: false), now: start)
        // Header, two chunks, the final CRLF.
        #expect(effects.filter { if case .write = $0 { true } else { false } }.count == 4)
        var answer = ByteBuffer(string: "\(tag) OK done\r\n")
        var done: [SessionStateMachineDriver.Effect] = []
        while let event = try? parser.next(&answer) { done += driver.received(event, now: start) }
        #expect(done.contains(.complete(tag: tag)))
        let (short, _) = driver.submit(.streamedAppend(size: 10, short: true), now: start)
        var refused = ByteBuffer(string: "\(short) BAD Invalid arguments\r\n")
        var failed: [SessionStateMachineDriver.Effect] = []
        while let event = try? parser.next(&refused) { failed += driver.received(event, now: start) }
        #expect(failed.contains(.fail(tag: short)))
    }
}
