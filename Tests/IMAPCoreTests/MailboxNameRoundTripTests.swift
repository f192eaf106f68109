import IMAPCore
import NIOCore
import Testing

/// A mailbox name from the server is kept byte for byte, valid modified UTF-7 or not, and sent
/// back as exactly those bytes (as an atom, quoted string or literal as the bytes require).
@Suite("Mailbox names round trip")
struct MailboxNameRoundTripTests {
    /// (name on the wire in a LIST response, raw bytes expected, how the encoder sends them)
    static let cases: [(wire: [UInt8], raw: [UInt8], sent: [String])] = [
        (Array("a&b".utf8), Array("a&b".utf8), ["a1 SELECT a&b\r\n"]),
        (Array("&Jjo".utf8), Array("&Jjo".utf8), ["a1 SELECT &Jjo\r\n"]),
        (Array("\"&Jjo-\"".utf8), Array("&Jjo-".utf8), ["a1 SELECT &Jjo-\r\n"]),
        (Array("\"Entwürfe\"".utf8), Array("Entwürfe".utf8), ["a1 SELECT {9}\r\n", "Entwürfe\r\n"]),
        ([0x22, 0x61, 0xFF, 0xFE, 0x22], [0x61, 0xFF, 0xFE], ["a1 SELECT {3}\r\n", "a\u{FFFD}\u{FFFD}\r\n"]),
        (Array("\"say \\\"hi\\\" \\\\o/\"".utf8), Array("say \"hi\" \\o/".utf8), ["a1 SELECT \"say \\\"hi\\\" \\\\o/\"\r\n"]),
        (Array("{7}\r\nLit Box".utf8), Array("Lit Box".utf8), ["a1 SELECT \"Lit Box\"\r\n"]),
        (Array("{3}\r\na\"b".utf8), Array("a\"b".utf8), ["a1 SELECT \"a\\\"b\"\r\n"]),
        (Array("\"\"".utf8), [], ["a1 SELECT \"\"\r\n"]),
        (Array("Archive]x".utf8), Array("Archive]x".utf8), ["a1 SELECT Archive]x\r\n"]),
        (Array("~peter/mail".utf8), Array("~peter/mail".utf8), ["a1 SELECT ~peter/mail\r\n"]),
    ]

    static func parseListName(_ wire: [UInt8]) throws -> MailboxName {
        var parser = ResponseParser()
        var buffer = ByteBuffer(string: "* LIST () \"/\" ")
        buffer.writeBytes(wire)
        buffer.writeString("\r\n")
        guard case .untagged(.list(let item))? = try parser.next(&buffer) else {
            Issue.record("expected a LIST response")
            return MailboxName(raw: [])
        }
        #expect(buffer.readableBytes == 0)
        return item.mailbox
    }

    @Test(arguments: 0..<cases.count)
    func keptAndResentByteForByte(_ index: Int) throws {
        let (wire, raw, sent) = Self.cases[index]
        let name = try Self.parseListName(wire)
        #expect(name.raw == raw)
        let parts = CommandEncoder().encode(.select(name), tag: "a1").parts
        #expect(parts.map { String(decoding: $0.readableBytesView, as: UTF8.self) } == sent)
        // What was sent parses back to the same bytes.
        var joined: [UInt8] = []
        for part in parts { joined += Array(part.readableBytesView) }
        let astring = Array(joined.dropFirst("a1 SELECT ".utf8.count).dropLast(2))
        #expect(try Self.parseListName(astring).raw == raw)
    }

    @Test func inboxIsCaseInsensitive() throws {
        #expect(try Self.parseListName(Array("inbox".utf8)) == .inbox)
        #expect(try Self.parseListName(Array("\"InBoX\"".utf8)) == .inbox)
        #expect(MailboxName("inbox") == MailboxName("INBOX"))
        #expect(MailboxName("inbox").raw == Array("INBOX".utf8))
        // Only INBOX itself: its children keep their case.
        #expect(MailboxName("inbox/Sub") != MailboxName("INBOX/Sub"))
    }

    @Test func invalidModifiedUTF7DisplaysAsItsBytes() {
        #expect(MailboxName(raw: Array("a&b".utf8)).name == "a&b")
        #expect(MailboxName(raw: Array("&Jjo".utf8)).name == "&Jjo")
        #expect(MailboxName(raw: Array("&Jjo-".utf8)).name == "☺")
    }
}
