import NIOCore
import Testing
import TestSupport
@testable import NATS

/// Feeds `wire` to a fresh parser cut in two at `split`, as the channel handler does (what is left
/// unparsed is kept and the next read appended), and returns every operation parsed.
private func parse(_ wire: [UInt8], splitAt split: Int, maxPayload: Int = 1024 * 1024) throws -> [ServerOperation] {
    var parser = ProtocolParser(maxPayload: maxPayload)
    var operations: [ServerOperation] = []
    var buffer = ByteBuffer(bytes: wire[..<split])
    while let operation = try parser.next(&buffer) { operations.append(operation) }
    buffer.writeBytes(wire[split...])
    while let operation = try parser.next(&buffer) { operations.append(operation) }
    #expect(buffer.readableBytes == 0, "bytes left unparsed")
    return operations
}

/// Every split of `wire` parses to `expected`.
private func expectAllSplits(_ wire: String, _ expected: [ServerOperation], sourceLocation: SourceLocation = #_sourceLocation) throws {
    let bytes = Array(wire.utf8)
    for split in 0...bytes.count {
        let operations = try parse(bytes, splitAt: split)
        #expect(operations == expected, "split at \(split)", sourceLocation: sourceLocation)
    }
}

/// Feeds bytes one at a time: a read per byte.
private func parseBytewise(_ wire: String) throws -> [ServerOperation] {
    var parser = ProtocolParser()
    var operations: [ServerOperation] = []
    var buffer = ByteBuffer()
    for byte in wire.utf8 {
        buffer.writeInteger(byte)
        while let operation = try parser.next(&buffer) { operations.append(operation) }
    }
    return operations
}

private func message(_ subject: String, sid: UInt64, replyTo: String? = nil, headers: String? = nil, payload: String) -> ServerOperation {
    .message(InboundMessage(subject: subject, sid: sid, replyTo: replyTo,
                            headerBlock: headers.map { ByteBuffer(string: $0) }, payload: ByteBuffer(string: payload)))
}

@Suite struct ProtocolParserTests {
    @Test func controlOperations() throws {
        try expectAllSplits("PING\r\nPONG\r\n+OK\r\n-ERR 'Authorization Violation'\r\n",
                            [.ping, .pong, .ok, .error("Authorization Violation")])
    }

    @Test func operationsAreCaseInsensitive() throws {
        try expectAllSplits("ping\r\nPong\r\nmsg a 1 2\r\nhi\r\n", [.ping, .pong, message("a", sid: 1, payload: "hi")])
    }

    @Test func info() throws {
        let wire = "INFO {\"server_id\":\"S1\",\"version\":\"2.9.10\",\"max_payload\":2048,\"headers\":true,"
            + "\"connect_urls\":[\"10.0.0.1:4222\"],\"ldm\":true,\"unknown_field\":{\"nested\":[1,2]}}\r\n"
        var expected = ServerInfo()
        expected.serverID = "S1"
        expected.version = "2.9.10"
        expected.maxPayload = 2048
        expected.headers = true
        expected.connectURLs = ["10.0.0.1:4222"]
        expected.lameDuckMode = true
        try expectAllSplits(wire, [.info(expected)])
    }

    @Test func messages() throws {
        try expectAllSplits(
            "MSG orders.new 7 12\r\nhello world!\r\nMSG a.b 1 _INBOX.x.1 0\r\n\r\n",
            [message("orders.new", sid: 7, payload: "hello world!"), message("a.b", sid: 1, replyTo: "_INBOX.x.1", payload: "")])
    }

    @Test func payloadMayContainCRLFAndProtocolWords() throws {
        try expectAllSplits("MSG s 1 13\r\nPING\r\nMSG x\r\n\r\n", [message("s", sid: 1, payload: "PING\r\nMSG x\r\n")])
    }

    @Test func severalSpacesAndTabsBetweenFields() throws {
        try expectAllSplits("MSG \t subj\t\t9   reply \t 3 \r\nabc\r\n", [message("subj", sid: 9, replyTo: "reply", payload: "abc")])
    }

    @Test func headerMessages() throws {
        let block = "NATS/1.0\r\nA: 1\r\nA: 2\r\n\r\n"  // 24 bytes
        try expectAllSplits("HMSG s 3 24 29\r\n\(block)hello\r\nHMSG s 3 r 24 24\r\n\(block)\r\n", [
            message("s", sid: 3, headers: block, payload: "hello"),
            message("s", sid: 3, replyTo: "r", headers: block, payload: ""),  // header block is the whole message
        ])
    }

    @Test func noRespondersStatus() throws {
        try expectAllSplits("HMSG _INBOX.a.b 1 16 16\r\nNATS/1.0 503\r\n\r\n\r\n",
                            [message("_INBOX.a.b", sid: 1, headers: "NATS/1.0 503\r\n\r\n", payload: "")])
    }

    @Test func oneByteReads() throws {
        #expect(try parseBytewise("INFO {}\r\nMSG a 1 3\r\nxyz\r\nPING\r\n") ==
                [.info(ServerInfo()), message("a", sid: 1, payload: "xyz"), .ping])
    }

    @Test func controlLineOfFourKilobytesIsAccepted() throws {
        let subject = String(repeating: "s", count: 4096 - "MSG  1 0\r".count)
        let wire = "MSG \(subject) 1 0\r\n\r\n"
        #expect(try parse(Array(wire.utf8), splitAt: 100) == [message(subject, sid: 1, payload: "")])
    }

    @Test func controlLineLongerThanFourKilobytesIsRejected() {
        let wire = Array(("MSG " + String(repeating: "s", count: 5000)).utf8)
        var parser = ProtocolParser()
        var buffer = ByteBuffer(bytes: wire)
        #expect(throws: NATSProtocolError.self) { _ = try parser.next(&buffer) }
    }

    @Test func incompleteIsNotInvalid() throws {
        for partial in ["P", "PIN", "PING\r", "MSG a 1 5\r\nab", "MSG a 1 5\r\nabcde", "MSG a 1 5\r\nabcde\r", "-ERR 'x"] {
            var parser = ProtocolParser()
            var buffer = ByteBuffer(string: partial)
            #expect(try parser.next(&buffer) == nil, "\(partial)")
        }
    }

    @Test(arguments: [
        "HELLO\r\n", "MSG a\r\n", "MSG a x 3\r\nabc\r\n", "MSG a 1 -3\r\n", "MSG a 1 3\r\nabcXY", "PING extra\r\n",
        "INFO {not json\r\n", "HMSG a 1 40 10\r\n", "MSG a 1 2 3 4 5\r\n", "\r\n",
    ])
    func garbageIsInvalid(_ wire: String) {
        var parser = ProtocolParser()
        var buffer = ByteBuffer(string: wire)
        #expect(throws: NATSProtocolError.self) {
            while try parser.next(&buffer) != nil {}
        }
    }

    @Test func messageLargerThanMaxPayloadIsRejectedBeforeBuffering() {
        var parser = ProtocolParser(maxPayload: 1000)
        var buffer = ByteBuffer(string: "MSG a 1 1001\r\n")
        #expect(throws: NATSProtocolError.self) { _ = try parser.next(&buffer) }
    }
}

@Suite struct ProtocolParserFuzzTests {
    /// Random bytes, mixed with pieces of real operations, fed in random reads: the parser returns
    /// operations, asks for more, or throws, and never holds more than its bounds.
    @Test func garbageNeverCrashesAndStaysBounded() {
        var random = SeededGenerator(state: 0x5EED)
        let pieces = ["MSG a 1 5\r\n", "HMSG a 1 12 12\r\nNATS/1.0\r\n\r\n\r\n", "PING\r\n", "hello", "\r\n", "INFO {}\r\n",
                      "-ERR 'x'\r\n", "MSG a 1 99999999\r\n", " \t", "+OK\r\n", "PO", "NG\r\n"].map { Array($0.utf8) }
        let maxPayload = 64 * 1024
        for _ in 0..<500 {
            var parser = ProtocolParser(maxPayload: maxPayload)
            var buffer = ByteBuffer()
            reading: for _ in 0..<40 {
                if Bool.random(using: &random) {
                    buffer.writeBytes(pieces[Int.random(in: 0..<pieces.count, using: &random)])
                } else {
                    buffer.writeBytes((0..<Int.random(in: 1...300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) })
                }
                do {
                    while try parser.next(&buffer) != nil {}
                } catch {
                    break reading  // the connection would be closed here
                }
                #expect(buffer.readableBytes <= ProtocolParser.maxControlLineLength + maxPayload + 2)
            }
        }
    }
}
