import IMAPCore
import NIOCore
import Testing

@Suite("ResponseParser streaming")
struct ResponseParserStreamingTests {
    /// A 1 MiB body arriving in 4 KiB reads comes out in chunks as it arrives; the parser never
    /// holds more than one read's worth of it.
    @Test func largeBodyStreamsChunkByChunk() throws {
        let bodySize = 1 << 20
        var parser = ResponseParser()
        var buffer = ByteBuffer(string: "* 1 FETCH (UID 9 BODY[] {\(bodySize)}\r\n")
        var events: [ResponseEvent] = []
        func drain() throws {
            while let event = try parser.next(&buffer) { events.append(event) }
        }
        try drain()
        #expect(events == [.fetch(.start(sequence: 1)), .fetch(.attribute(.uid(try #require(UID(9))))),
                           .fetch(.bodyStart(section: "", origin: nil, size: bodySize))])
        events.removeAll()
        var received = 0
        var chunks = 0
        var sawEnd = false
        let read = [UInt8](repeating: UInt8(ascii: "x"), count: 4096)
        while received < bodySize {
            buffer.writeBytes(read)
            buffer.discardReadBytes()
            try drain()
            #expect(buffer.readableBytes == 0)
            for event in events {
                if event == .fetch(.bodyEnd) { sawEnd = true }
                guard case .fetch(.bodyBytes(let chunk)) = event else { continue }
                #expect(chunk.readableBytes <= 4096)
                received += chunk.readableBytes
                chunks += 1
            }
            events.removeAll()
        }
        #expect(received == bodySize)
        #expect(chunks == bodySize / 4096)
        #expect(sawEnd)
        buffer.writeString(" FLAGS (\\Seen))\r\na1 OK done\r\n")
        try drain()
        #expect(events == [.fetch(.attribute(.flags([.seen]))), .fetch(.finish),
                           .tagged(TaggedResponse(tag: "a1", state: .ok, text: "done"))])
    }

    /// Only what was parsed is consumed: a partial response stays in the buffer.
    @Test func consumesOnlyWhatItParsed() throws {
        var parser = ResponseParser()
        var buffer = ByteBuffer(string: "* 3 EXISTS\r\n* 1 REC")
        #expect(try parser.next(&buffer) == .untagged(.exists(3)))
        #expect(try parser.next(&buffer) == nil)
        #expect(String(decoding: buffer.readableBytesView, as: UTF8.self) == "* 1 REC")
        buffer.writeString("ENT\r\n")
        #expect(try parser.next(&buffer) == .untagged(.recent(1)))
        #expect(buffer.readableBytes == 0)
    }

    @Test func errorsCarryAShortExcerpt() {
        var parser = ResponseParser()
        var buffer = ByteBuffer(string: "* FLAGS (" + String(repeating: "\\Seen ", count: 100) + "\u{1}\r\n")
        do {
            while try parser.next(&buffer) != nil {}
            Issue.record("expected an error")
        } catch {
            guard case .invalid(let message) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            // "<rule> at \"<excerpt>\"", the excerpt at most 76 characters and an ellipsis.
            #expect(message.contains(" at \""))
            #expect(message.contains("\\x01"))
            #expect(message.utf8.count <= 140)
        }
    }

    @Test func typedValuesFromSelect() throws {
        var parser = ResponseParser()
        var buffer = ByteBuffer(string: "* OK [UIDVALIDITY 3857529045] ok\r\n* 1 FETCH (INTERNALDATE \"17-Jul-1996 02:44:25 -0700\")\r\n")
        #expect(try parser.next(&buffer) == .untagged(.condition(.ok, code: .uidValidity(validity(3_857_529_045)), text: "ok")))
        #expect(try parser.next(&buffer) == .fetch(.start(sequence: 1)))
        guard case .fetch(.attribute(.internalDate(let date)))? = try parser.next(&buffer) else {
            Issue.record("expected INTERNALDATE")
            return
        }
        #expect(date.epochSeconds == 837_596_665)
        #expect(date.utcOffsetMinutes == -420)
    }
}
