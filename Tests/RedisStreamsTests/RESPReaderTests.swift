import RedisStreams
import Testing

/// hiredis's reader converted to `RESPValue`: every fixture also fed split at every byte.
struct RESPReaderTests {
    static let fixtures: [(String, RESPValue)] = [
        ("+OK\r\n", .simpleString("OK")),
        ("-BUSYGROUP Consumer Group name already exists\r\n", .error("BUSYGROUP Consumer Group name already exists")),
        (":42\r\n", .integer(42)),
        (":-7\r\n", .integer(-7)),
        ("$5\r\nhe\r\no\r\n", .bulkString(Array("he\r\no".utf8))),
        ("$0\r\n\r\n", .bulkString([])),
        ("$-1\r\n", .null),
        ("*-1\r\n", .null),
        ("*0\r\n", .array([])),
        // XAUTOCLAIM, Redis 7: [cursor, [[id, [field, value]]], [deleted id]]
        ("*3\r\n$3\r\n0-0\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$5\r\norder\r\n$2\r\n{}\r\n*1\r\n$3\r\n1-2\r\n",
         .array([.bulkString(Array("0-0".utf8)),
                 .array([.array([.bulkString(Array("1-1".utf8)), .array([.bulkString(Array("order".utf8)), .bulkString(Array("{}".utf8))])])]),
                 .array([.bulkString(Array("1-2".utf8))])])),
        // A pending entry deleted from the stream: [id, nil]
        ("*1\r\n*2\r\n$3\r\n5-0\r\n*-1\r\n", .array([.array([.bulkString(Array("5-0".utf8)), .null])])),
    ]

    @Test(arguments: 0..<fixtures.count)
    func fixtureWholeAndSplitAtEveryByte(index: Int) throws {
        let (text, expected) = Self.fixtures[index]
        let bytes = Array(text.utf8)
        for split in 0...bytes.count {
            let reader = RESPReader()
            try reader.feed(Array(bytes[..<split]))
            if split < bytes.count {
                #expect(try reader.next() == nil, "incomplete input at split \(split) must not produce a value")
            }
            try reader.feed(Array(bytes[split...]))
            #expect(try reader.next() == expected)
            #expect(try reader.next() == nil)
        }
    }

    @Test func pipelinedRepliesComeOutInOrder() throws {
        let reader = RESPReader()
        try reader.feed(Array("+OK\r\n:1\r\n$-1\r\n".utf8))
        #expect(try reader.next() == .simpleString("OK"))
        #expect(try reader.next() == .integer(1))
        #expect(try reader.next() == .null)
        #expect(try reader.next() == nil)
    }

    @Test func invalidTypeByteIsAnError() throws {
        let reader = RESPReader()
        try reader.feed(Array("?what\r\n".utf8))
        #expect(throws: RedisError.self) { try reader.next() }
    }

    @Test func nestingDeeperThanHiredisAllowsIsAnError() throws {
        let reader = RESPReader()
        try reader.feed(Array(String(repeating: "*1\r\n", count: 12).utf8) + Array(":1\r\n".utf8))
        #expect(throws: RedisError.self) { try reader.next() }
    }
}
