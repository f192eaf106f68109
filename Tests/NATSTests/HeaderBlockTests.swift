import NIOCore
import Testing
@testable import NATS

@Suite struct HeaderBlockTests {
    @Test func repeatedKeysKeepTheirOrderAndCase() throws {
        let parsed = try HeaderBlock.parse(ByteBuffer(string: "NATS/1.0\r\nX-Id: 1\r\nx-id: 2\r\nX-Id:3\r\n\r\n"))
        #expect(parsed.status == nil)
        #expect(parsed.headers.fields.map(\.name) == ["X-Id", "x-id", "X-Id"])
        #expect(parsed.headers.values("X-Id") == ["1", "3"])
        #expect(parsed.headers["x-id"] == "2")
    }

    @Test func inlineStatusLine() throws {
        let parsed = try HeaderBlock.parse(ByteBuffer(string: "NATS/1.0 503\r\n\r\n"))
        #expect(parsed.status == 503)
        #expect(parsed.headers.isEmpty)
        let described = try HeaderBlock.parse(ByteBuffer(string: "NATS/1.0 408 Request Timeout\r\nA: b\r\n\r\n"))
        #expect(described.status == 408)
        #expect(described.statusDescription == "Request Timeout")
        #expect(described.headers["A"] == "b")
    }

    @Test func encodeThenParseIsExact() throws {
        var headers = NATSHeaders()
        headers.append("Trace-Id", "abc:def ghi")
        headers.append("Trace-Id", "second")
        headers.append("Unicode", "grüße 📨")
        headers.append("Empty", "")
        let block = try HeaderBlock.encode(headers)
        #expect(String(decoding: block, as: UTF8.self) ==
                "NATS/1.0\r\nTrace-Id: abc:def ghi\r\nTrace-Id: second\r\nUnicode: grüße 📨\r\nEmpty: \r\n\r\n")
        #expect(try HeaderBlock.parse(ByteBuffer(bytes: block)).headers == headers)
    }

    @Test(arguments: ["Bad Name", "Colon:Name", ""])
    func invalidNamesAreRefused(_ name: String) {
        var headers = NATSHeaders()
        headers.append(name, "v")
        #expect(throws: NATSError.invalidHeader(name)) { _ = try HeaderBlock.encode(headers) }
    }

    @Test func valuesWithLineBreaksAreRefused() {
        var headers = NATSHeaders()
        headers.append("A", "x\r\nInjected: 1")
        #expect(throws: NATSError.invalidHeader("A")) { _ = try HeaderBlock.encode(headers) }
    }

    @Test(arguments: ["HTTP/1.1\r\n\r\n", "NATS/1.0\r\nNoColon\r\n\r\n", "NATS/1.0\r\nA: b\r\n", "NATS/1.0 5x3\r\n\r\n"])
    func malformedBlocksAreInvalid(_ block: String) {
        #expect(throws: NATSProtocolError.self) { _ = try HeaderBlock.parse(ByteBuffer(string: block)) }
    }
}
