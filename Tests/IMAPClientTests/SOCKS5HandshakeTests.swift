import NIOCore
import Testing
@testable import IMAPClient

@Suite struct SOCKS5HandshakeTests {
    @Test func noAuthenticationWithDomainTarget() throws {
        var h = SOCKS5Handshake(target: .domain("imap.example.com", port: 993), username: nil, password: nil)
        #expect(h.start() == [5, 1, 0])
        var reply = ByteBuffer(bytes: [5, 0])
        let host = Array("imap.example.com".utf8)
        #expect(try h.receive(&reply) == .send([5, 1, 0, 3, UInt8(host.count)] + host + [0x03, 0xE1]))
        // Reply split across reads: incomplete until the bound address and port are all there.
        var part = ByteBuffer(bytes: [5, 0, 0, 1, 127, 0])
        #expect(try h.receive(&part) == .needMoreBytes)
        var whole = ByteBuffer(bytes: [5, 0, 0, 1, 127, 0, 0, 1, 0x04, 0x38, 42])
        #expect(try h.receive(&whole) == .established)
        #expect(whole.readableBytes == 1)  // the byte after the reply is left for IMAP
    }

    @Test func usernamePasswordAuthentication() throws {
        var h = SOCKS5Handshake(target: .ipv4([127, 0, 0, 1], port: 143), username: "u", password: "pw")
        #expect(h.start() == [5, 2, 0, 2])
        var choose = ByteBuffer(bytes: [5, 2])
        #expect(try h.receive(&choose) == .send([1, 1, UInt8(ascii: "u"), 2, UInt8(ascii: "p"), UInt8(ascii: "w")]))
        var ok = ByteBuffer(bytes: [1, 0])
        #expect(try h.receive(&ok) == .send([5, 1, 0, 1, 127, 0, 0, 1, 0, 143]))
    }

    @Test func refusalsAreClearErrors() throws {
        var h = SOCKS5Handshake(target: .ipv4([10, 0, 0, 1], port: 143), username: "u", password: "bad")
        _ = h.start()
        var choose = ByteBuffer(bytes: [5, 2])
        _ = try h.receive(&choose)
        var refused = ByteBuffer(bytes: [1, 1])
        #expect(throws: IMAPClientError.proxy("the proxy refused the username or password")) { try h.receive(&refused) }

        var h2 = SOCKS5Handshake(target: .ipv4([127, 0, 0, 1], port: 143), username: nil, password: nil)
        _ = h2.start()
        var needsAuth = ByteBuffer(bytes: [5, 2])
        #expect(throws: IMAPClientError.proxy("the proxy requires a username and password")) { try h2.receive(&needsAuth) }

        var h3 = SOCKS5Handshake(target: .ipv4([127, 0, 0, 1], port: 143), username: nil, password: nil)
        _ = h3.start()
        var noAuth = ByteBuffer(bytes: [5, 0])
        _ = try h3.receive(&noAuth)
        var connRefused = ByteBuffer(bytes: [5, 5, 0, 1, 0, 0, 0, 0, 0, 0])
        #expect(throws: IMAPClientError.proxy("the proxy reports: connection refused")) { try h3.receive(&connRefused) }
    }
}
