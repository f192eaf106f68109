import Foundation
import IMAPCore
import NIOCore
import Testing

/// The client side of the wire trace: what `CommandEncoder` says a command looks like, its
/// credentials redacted where the encoder wrote them, literal payloads as their size.
@Suite("Wire trace: encoder")
struct WireTraceEncodingTests {
    static let hiding = CommandEncoder(trace: .hidingSecrets)
    static let showing = CommandEncoder(trace: .showingSecrets)

    static func trace(_ command: Command, _ encoder: CommandEncoder = hiding) -> [String] {
        encoder.encode(command, tag: "a1").trace ?? ["no trace"]
    }

    static func wire(_ command: Command, _ encoder: CommandEncoder) -> String {
        encoder.encode(command, tag: "a1").parts.map { String(buffer: $0) }.joined()
    }

    static let commands: [Command] = [
        .login(username: "joe", password: "s3cret"),
        .login(username: "joe", password: "pässwörd"),
        .authenticate(mechanism: "PLAIN", initialResponse: Array("\u{0}joe\u{0}pw".utf8)),
        .select("Lists/Développement", .init(condstore: true)),
        .append("Sent", [AppendMessage(flags: [.seen], data: ByteBuffer(string: "Subject: x\r\n\r\nbody\r\n"))]),
        .uidSearch(criteria: .header("Subject", "naïve")),
    ]

    @Test("tracing changes no byte on the wire", arguments: commands)
    func sameBytes(_ command: Command) {
        let plain = Self.wire(command, CommandEncoder())
        #expect(Self.wire(command, Self.hiding) == plain)
        #expect(Self.wire(command, Self.showing) == plain)
        #expect(Self.wire(command, CommandEncoder(literalPlus: true, trace: .hidingSecrets)) == Self.wire(command, CommandEncoder(literalPlus: true)))
    }

    @Test func noTraceUnlessAsked() {
        #expect(CommandEncoder().encode(.login(username: "joe", password: "pw"), tag: "a1").trace == nil)
    }

    @Test func loginQuotedPassword() {
        let command = Command.login(username: "joe", password: "p a\"ss")
        #expect(Self.trace(command) == ["a1 LOGIN joe <redacted>"])
        #expect(Self.trace(command, Self.showing) == ["a1 LOGIN joe \"p a\\\"ss\""])
        #expect(Self.trace(.login(username: "joe", password: "s3cret")) == ["a1 LOGIN joe <redacted>"])
    }

    @Test func loginLiteralPassword() {
        let command = Command.login(username: "joe", password: "pässwörd")
        // Two parts on the wire (a synchronising literal); not even the literal's size is shown.
        let hidden = Self.trace(command)
        #expect(hidden == ["a1 LOGIN joe <redacted>", ""])
        #expect(!hidden.joined().contains("10"))
        #expect(Self.trace(command, Self.showing) == ["a1 LOGIN joe {10}", "pässwörd"])
        #expect(Self.trace(command, CommandEncoder(literalPlus: true, trace: .hidingSecrets)) == ["a1 LOGIN joe <redacted>"])
    }

    @Test func saslInitialResponse() {
        let response = Array("\u{0}joe\u{0}pw".utf8)
        #expect(Self.trace(.authenticate(mechanism: "PLAIN", initialResponse: response)) == ["a1 AUTHENTICATE PLAIN <redacted>"])
        #expect(Self.trace(.authenticate(mechanism: "PLAIN", initialResponse: response), Self.showing)
                == ["a1 AUTHENTICATE PLAIN AGpvZQBwdw=="])
        #expect(Self.trace(.authenticate(mechanism: "PLAIN", initialResponse: nil)) == ["a1 AUTHENTICATE PLAIN"])
        #expect(Self.trace(.authenticate(mechanism: "EXTERNAL", initialResponse: [])) == ["a1 AUTHENTICATE EXTERNAL ="])
    }

    @Test func xoauth2Token() {
        let token = "ya29.a0AfH6SMBx-token"
        let response = Array("user=joe@example.com\u{1}auth=Bearer \(token)\u{1}\u{1}".utf8)
        let command = Command.authenticate(mechanism: "XOAUTH2", initialResponse: response)
        let base64 = Data(response).base64EncodedString()
        #expect(Self.trace(command) == ["a1 AUTHENTICATE XOAUTH2 <redacted>"])
        #expect(Self.trace(command, Self.showing) == ["a1 AUTHENTICATE XOAUTH2 \(base64)"])
        // A continuation line of AUTHENTICATE (no SASL-IR) is a credential too.
        #expect(CommandEncoder.authenticationResponseTrace(response, mode: .hidingSecrets) == "<redacted>")
        #expect(CommandEncoder.authenticationResponseTrace(response, mode: .showingSecrets) == base64)
    }

    @Test func literalPayloadsAreSizes() {
        let body = ByteBuffer(string: "Subject: x\r\n\r\nbody\r\n")
        let append = Command.append("Sent", [AppendMessage(flags: [.seen], data: body)])
        #expect(Self.trace(append) == ["a1 APPEND Sent (\\Seen) {20}", "<20 bytes>"])
        #expect(Self.trace(append, Self.showing) == ["a1 APPEND Sent (\\Seen) {20}", "<20 bytes>"], "a literal is never shown")
        #expect(Self.trace(append, CommandEncoder(literalPlus: true, trace: .showingSecrets)) == ["a1 APPEND Sent (\\Seen) {20+}<20 bytes>"])
        #expect(Self.trace(.uidSearch(criteria: .header("Subject", "naïve"))) == ["a1 UID SEARCH CHARSET UTF-8 HEADER Subject {6}", "<6 bytes>"])
        #expect(Self.trace(.select("My Box")) == ["a1 SELECT \"My Box\""])
    }
}

/// The server side of the wire trace: lines as read, literal payloads as their size.
@Suite("Wire trace: server lines")
struct InboundTraceScannerTests {
    @Test func linesAcrossReads() {
        var scanner = InboundTraceScanner()
        #expect(scanner.feed(ByteBuffer(string: "* OK [CAPABILITY IMAP4rev1] ready\r\n* 3 EX")) == ["* OK [CAPABILITY IMAP4rev1] ready"])
        #expect(scanner.feed(ByteBuffer(string: "ISTS\r")) == [])
        #expect(scanner.feed(ByteBuffer(string: "\na1 OK done\r\n")) == ["* 3 EXISTS", "a1 OK done"])
    }

    @Test func literalsElided() {
        var scanner = InboundTraceScanner()
        let lines = scanner.feed(ByteBuffer(string: "* 1 FETCH (UID 5 BODY[] {11}\r\nsecret body FLAGS (\\Seen))\r\n* 2 FETCH (BODY[] ~{0}\r\n)\r\n"))
        #expect(lines == ["* 1 FETCH (UID 5 BODY[] {11}<11 bytes> FLAGS (\\Seen))", "* 2 FETCH (BODY[] ~{0}<0 bytes>)"])
    }

    @Test func literalSplitAcrossReads() {
        var scanner = InboundTraceScanner()
        var lines: [String] = []
        // A body that itself looks like lines and a literal header: it is skipped by count, never scanned.
        for piece in ["* 1 FETCH (BODY[] {2", "6}\r\nline one\r\nfake {999}\r\n", "xxxx)\r\na1 OK\r\n"] {
            lines += scanner.feed(ByteBuffer(string: piece))
        }
        #expect(lines == ["* 1 FETCH (BODY[] {26}<26 bytes>)", "a1 OK"])
    }

    @Test func longLineInPieces() {
        var scanner = InboundTraceScanner()
        let long = String(repeating: "7 ", count: InboundTraceScanner.maxLineLength)
        let lines = scanner.feed(ByteBuffer(string: "* SEARCH \(long)\r\na1 OK\r\n"))
        #expect(lines.count == 4)
        #expect(lines.dropLast().allSatisfy { $0.utf8.count <= InboundTraceScanner.maxLineLength + 4 })
        #expect(lines.first?.hasSuffix(" …") == true)
        #expect(lines.last == "a1 OK")
    }
}
