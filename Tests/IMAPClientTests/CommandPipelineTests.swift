import NIOCore
import Testing
@testable import IMAPClient

@Suite struct CommandPipelineTests {
    private func b(_ s: String) -> ByteBuffer { ByteBuffer(string: s) }

    @Test func ordinaryCommandsArePipelined() throws {
        var p = CommandPipeline()
        #expect(p.submit(tag: "A1", parts: [b("A1 NOOP\r\n")], kind: .ordinary) == [b("A1 NOOP\r\n")])
        #expect(p.submit(tag: "A2", parts: [b("A2 NOOP\r\n")], kind: .ordinary) == [b("A2 NOOP\r\n")])
        #expect(p.inFlight == ["A1", "A2"])
        #expect(try p.completed(tag: "A1").isEmpty)
        #expect(try p.completed(tag: "A2").isEmpty)
        #expect(p.isIdle)
    }

    @Test func literalPartsWaitForContinuationAndHoldBackLaterCommands() throws {
        var p = CommandPipeline()
        let parts = [b("A1 APPEND INBOX {3}\r\n"), b("abc\r\n")]
        #expect(p.submit(tag: "A1", parts: parts, kind: .ordinary) == [parts[0]])
        // A later command must not be written inside A1's literal.
        #expect(p.submit(tag: "A2", parts: [b("A2 NOOP\r\n")], kind: .ordinary).isEmpty)
        #expect(try p.continuation() == .write([parts[1], b("A2 NOOP\r\n")]))
        #expect(p.inFlight == ["A1", "A2"])
    }

    @Test func refusedLiteralDropsItsRemainingParts() throws {
        var p = CommandPipeline()
        _ = p.submit(tag: "A1", parts: [b("A1 APPEND X {3}\r\n"), b("abc\r\n")], kind: .ordinary)
        _ = p.submit(tag: "A2", parts: [b("A2 NOOP\r\n")], kind: .ordinary)
        // The server answers NO before sending "+": A1 is over, A2 may go.
        #expect(try p.completed(tag: "A1") == [b("A2 NOOP\r\n")])
        #expect(throws: CommandPipeline.PipelineError.unexpectedContinuation) { try p.continuation() }
    }

    @Test func exclusiveCommandWaitsForEarlierAndHoldsLater() throws {
        var p = CommandPipeline()
        _ = p.submit(tag: "A1", parts: [b("A1 NOOP\r\n")], kind: .ordinary)
        #expect(p.submit(tag: "A2", parts: [b("A2 STARTTLS\r\n")], kind: .exclusive).isEmpty)
        #expect(p.submit(tag: "A3", parts: [b("A3 CAPABILITY\r\n")], kind: .ordinary).isEmpty)
        #expect(try p.completed(tag: "A1") == [b("A2 STARTTLS\r\n")])
        #expect(try p.completed(tag: "A2") == [b("A3 CAPABILITY\r\n")])
    }

    @Test func callerContinuationsAreDelivered() throws {
        var p = CommandPipeline()
        _ = p.submit(tag: "A1", parts: [b("A1 AUTHENTICATE LOGIN\r\n")], kind: .exclusiveWithContinuations)
        #expect(try p.continuation() == .deliver(tag: "A1"))
        #expect(try p.continuation() == .deliver(tag: "A1"))
        #expect(try p.completed(tag: "A1").isEmpty)
        #expect(p.isIdle)
    }

    @Test func unknownTagIsAnError() {
        var p = CommandPipeline()
        #expect(throws: CommandPipeline.PipelineError.unknownTag("Z9")) { try p.completed(tag: "Z9") }
        #expect(throws: CommandPipeline.PipelineError.unexpectedContinuation) { try p.continuation() }
    }
}
