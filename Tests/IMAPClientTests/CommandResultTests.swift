import IMAPCore
import NIOCore
import Testing
@testable import IMAPClient

/// Typed results built from what commands received.
@Suite struct CommandResultTests {
    @Test func copyUIDMapsByPositionWithoutExpanding() throws {
        let validity = try #require(UIDValidity(7))
        let result = CopyResult(uidValidity: validity, source: try #require(UIDSet(parsing: "3:5,9")),
                                destination: try #require(UIDSet(parsing: "100:103")))
        #expect(result.destination(of: UID(3)!) == UID(100))
        #expect(result.destination(of: UID(5)!) == UID(102))
        #expect(result.destination(of: UID(9)!) == UID(103))
        #expect(result.destination(of: UID(6)!) == nil)
        let whole = CopyResult(uidValidity: validity, source: UIDSet(UID.min...UID.max),
                               destination: UIDSet(UID.min...UID.max))
        #expect(whole.destination(of: UID(4_000_000_000)!) == UID(4_000_000_000))
    }

    @Test func assemblerSkipsOversizedMessagesWithoutHoldingThem() {
        var assembler = MessageAssembler(maxMessageSize: 10)
        let big: [FetchPart] = [.messageStart(sequence: 1, uid: UID(1)), .bodyStart(section: "", origin: nil, size: 99_999_999_999),
                                .bodyChunk(ByteBuffer(string: "0123456789abcdef")), .bodyEnd, .messageEnd]
        #expect(big.compactMap { assembler.consume($0) }.isEmpty)
        #expect(assembler.skipped == [SkippedMessage(uid: UID(1), announcedSize: 99_999_999_999)])
        // Two sections of one message stay within the limit together.
        let two: [FetchPart] = [.messageStart(sequence: 2, uid: UID(2)), .bodyStart(section: "HEADER", origin: nil, size: 4),
                                .bodyChunk(ByteBuffer(string: "head")), .bodyEnd,
                                .bodyStart(section: "TEXT", origin: nil, size: 4), .bodyChunk(ByteBuffer(string: "text")),
                                .bodyEnd, .messageEnd]
        let messages = two.compactMap { assembler.consume($0) }
        #expect(messages.map { String(buffer: $0.body) } == ["headtext"])
    }
}
