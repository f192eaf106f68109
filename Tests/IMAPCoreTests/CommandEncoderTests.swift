import IMAPCore
import NIOCore
import Testing

@Suite("CommandEncoder")
struct CommandEncoderTests {
    static func text(_ buffer: ByteBuffer) -> String { String(decoding: buffer.readableBytesView, as: UTF8.self) }

    static func parts(_ command: Command, tag: String = "a1", encoder: CommandEncoder = .init()) -> [String] {
        encoder.encode(command, tag: tag).parts.map(text)
    }

    static let singlePart: [(Command, String)] = [
        (.capability, "a1 CAPABILITY\r\n"),
        (.noop, "a1 NOOP\r\n"),
        (.logout, "a1 LOGOUT\r\n"),
        (.startTLS, "a1 STARTTLS\r\n"),
        (.login(username: "joe", password: "s3cret"), "a1 LOGIN joe s3cret\r\n"),
        (.login(username: "joe@example.com", password: "p a\"s\\s"), "a1 LOGIN joe@example.com \"p a\\\"s\\\\s\"\r\n"),
        (.login(username: "", password: "x"), "a1 LOGIN \"\" x\r\n"),
        (.authenticate(mechanism: "PLAIN", initialResponse: nil), "a1 AUTHENTICATE PLAIN\r\n"),
        (.authenticate(mechanism: "PLAIN", initialResponse: Array("\u{0}joe\u{0}pw".utf8)), "a1 AUTHENTICATE PLAIN AGpvZQBwdw==\r\n"),
        (.authenticate(mechanism: "EXTERNAL", initialResponse: []), "a1 AUTHENTICATE EXTERNAL =\r\n"),
        (.enable([.qresync, .condstore]), "a1 ENABLE QRESYNC CONDSTORE\r\n"),
        (.id(["name": "imapworker", "version": "1.0"]), "a1 ID (\"name\" \"imapworker\" \"version\" \"1.0\")\r\n"),
        (.id(nil), "a1 ID NIL\r\n"),
        (.select("INBOX"), "a1 SELECT INBOX\r\n"),
        (.select("Lists/Développement", .init(condstore: true)), "a1 SELECT Lists/D&AOk-veloppement (CONDSTORE)\r\n"),
        (.select("INBOX", .init(qresync: .init(uidValidity: validity(67890007), modSeq: 20050715194045000,
                                                knownUIDs: UIDSet(parsing: "41,43:211,214:541")))),
         "a1 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))\r\n"),
        (.examine("My Box", .init(qresync: .init(uidValidity: validity(1), modSeq: 2))), "a1 EXAMINE \"My Box\" (QRESYNC (1 2))\r\n"),
        (.create("A&B"), "a1 CREATE A&-B\r\n"),
        (.delete("Trash/Old"), "a1 DELETE Trash/Old\r\n"),
        (.rename(from: "Old", to: "New Name"), "a1 RENAME Old \"New Name\"\r\n"),
        (.subscribe("Sent"), "a1 SUBSCRIBE Sent\r\n"),
        (.unsubscribe("Sent"), "a1 UNSUBSCRIBE Sent\r\n"),
        (.list(reference: "", patterns: ["*"]), "a1 LIST \"\" *\r\n"),
        (.list(reference: "", patterns: ["Lists/Dév%"]), "a1 LIST \"\" Lists/D&AOk-v%\r\n"),
        (.list(reference: "", patterns: ["INBOX", "Lists/*"], selectOptions: [.subscribed, .recursiveMatch],
               returnOptions: [.children, .subscribed, .status([.messages, .uidNext, .highestModSeq])]),
         "a1 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (INBOX Lists/*) RETURN (CHILDREN SUBSCRIBED STATUS (MESSAGES UIDNEXT HIGHESTMODSEQ))\r\n"),
        (.lsub(reference: "#news.", pattern: "comp.mail.*"), "a1 LSUB #news. comp.mail.*\r\n"),
        (.status("INBOX", [.messages, .uidNext, .uidValidity, .unseen, .highestModSeq, .size]),
         "a1 STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ SIZE)\r\n"),
        (.fetch(SequenceSet(1...SequenceSet.star), [.uid, .flags]), "a1 FETCH 1:* (UID FLAGS)\r\n"),
        (.uidFetch(UIDSet(parsing: "1:100")!, [.uid, .flags, .modSeq, .internalDate, .rfc822Size, .bodyPeek()]),
         "a1 UID FETCH 1:100 (UID FLAGS MODSEQ INTERNALDATE RFC822.SIZE BODY.PEEK[])\r\n"),
        (.uidFetch(UIDSet(parsing: "300:*")!, [.uid, .flags], changedSince: 12345, vanished: true),
         "a1 UID FETCH 300:* (UID FLAGS) (CHANGEDSINCE 12345 VANISHED)\r\n"),
        (.uidFetch(UIDSet(parsing: "7")!, [.binaryPeek(), .bodyPeek(section: "HEADER", partial: .init(offset: 0, length: 1024))], changedSince: 9),
         "a1 UID FETCH 7 (BINARY.PEEK[] BODY.PEEK[HEADER]<0.1024>) (CHANGEDSINCE 9)\r\n"),
        (.fetch(SequenceSet(parsing: "2,4")!, [.envelope, .bodyStructure, .body(section: "1"), .binary(section: "2"), .raw("X-GM-MSGID")]),
         "a1 FETCH 2,4 (ENVELOPE BODYSTRUCTURE BODY[1] BINARY[2] X-GM-MSGID)\r\n"),
        (.uidStore(UIDSet(parsing: "1:3")!, .add([.seen, .flagged], silent: true)), "a1 UID STORE 1:3 +FLAGS.SILENT (\\Seen \\Flagged)\r\n"),
        (.uidStore(UIDSet(parsing: "5")!, .remove([.forwarded]), unchangedSince: 320162338),
         "a1 UID STORE 5 (UNCHANGEDSINCE 320162338) -FLAGS ($Forwarded)\r\n"),
        (.store(SequenceSet(2...4), .replace([])), "a1 STORE 2:4 FLAGS ()\r\n"),
        (.uidSearch(criteria: "UNSEEN", returning: nil), "a1 UID SEARCH UNSEEN\r\n"),
        (.uidSearch(criteria: "MODSEQ 5", returning: [.min, .max, .count, .all]), "a1 UID SEARCH RETURN (MIN MAX COUNT ALL) MODSEQ 5\r\n"),
        (.search(criteria: "ALL", returning: []), "a1 SEARCH RETURN () ALL\r\n"),
        (.uidExpunge(UIDSet(parsing: "3000:3002")!), "a1 UID EXPUNGE 3000:3002\r\n"),
        (.expunge, "a1 EXPUNGE\r\n"),
        (.close, "a1 CLOSE\r\n"),
        (.unselect, "a1 UNSELECT\r\n"),
        (.idle, "a1 IDLE\r\n"),
        (.compressDeflate, "a1 COMPRESS DEFLATE\r\n"),
    ]

    @Test("exact bytes", arguments: singlePart)
    func exactBytes(_ pair: (Command, String)) {
        #expect(Self.parts(pair.0) == [pair.1])
    }

    @Test func eightBitPasswordIsASynchronisingLiteral() {
        let parts = Self.parts(.login(username: "joe", password: "pässword"))
        #expect(parts == ["a1 LOGIN joe {9}\r\n", "pässword\r\n"])
    }

    @Test func crlfAndLongStringsBecomeLiterals() {
        #expect(Self.parts(.login(username: "a\r\nb", password: "x")) == ["a1 LOGIN {4}\r\n", "a\r\nb x\r\n"])
        let long = String(repeating: "p w", count: 400)
        #expect(Self.parts(.login(username: "u", password: long)) == ["a1 LOGIN u {1200}\r\n", long + "\r\n"])
    }

    @Test func literalPlusKeepsOnePart() {
        let encoder = CommandEncoder(literalPlus: true)
        #expect(Self.parts(.login(username: "jöe", password: "pässword"), encoder: encoder)
            == ["a1 LOGIN {4+}\r\njöe {9+}\r\npässword\r\n"])
    }

    @Test func literalMinusOnlyForSmallLiterals() {
        let encoder = CommandEncoder(literalMinus: true)
        let small = AppendMessage(data: ByteBuffer(string: "Subject: x\r\n\r\nhi\r\n"))
        let big = AppendMessage(data: ByteBuffer(repeating: UInt8(ascii: "a"), count: 5000))
        let parts = encoder.encode(.append("INBOX", [small, big]), tag: "t").parts
        #expect(parts.count == 2)
        #expect(Self.text(parts[0]) == "t APPEND INBOX {18+}\r\nSubject: x\r\n\r\nhi\r\n {5000}\r\n")
        #expect(parts[1].readableBytes == 5002)
    }

    @Test func appendWithFlagsAndDateSplitsAtTheLiteral() throws {
        let date = try #require(InternalDate(year: 2024, month: 1, day: 2, hour: 3, minute: 4, second: 5, utcOffsetMinutes: 60))
        let message = AppendMessage(flags: [.seen, "$Forwarded"], internalDate: date, data: ByteBuffer(string: "Hi)\r\n"))
        #expect(Self.parts(.append("Sent", [message]))
            == ["a1 APPEND Sent (\\Seen $Forwarded) \"02-Jan-2024 03:04:05 +0100\" {5}\r\n", "Hi)\r\n\r\n"])
    }

    @Test func multiappendSendsEachMessageAsALiteral() {
        let one = AppendMessage(data: ByteBuffer(string: "A"))
        let two = AppendMessage(flags: [.draft], data: ByteBuffer(string: "BB"))
        #expect(Self.parts(.append("INBOX", [one, two]))
            == ["a1 APPEND INBOX {1}\r\n", "A (\\Draft) {2}\r\n", "BB\r\n"])
    }

    @Test func appendOfBinaryDataUsesLiteral8() {
        let message = AppendMessage(data: ByteBuffer(bytes: [0x41, 0x00, 0xFF]))
        let parts = CommandEncoder().encode(.append("INBOX", [message]), tag: "a1").parts
        #expect(parts.count == 2)
        #expect(Self.text(parts[0]) == "a1 APPEND INBOX ~{3}\r\n")
        #expect(Array(parts[1].readableBytesView) == [0x41, 0x00, 0xFF, 0x0D, 0x0A])
    }

    @Test func mailboxNeedingALiteral() {
        let name = MailboxName(raw: Array("Entwürfe".utf8))
        #expect(Self.parts(.select(name)) == ["a1 SELECT {9}\r\n", "Entwürfe\r\n"])
    }

    @Test func continuationLines() {
        #expect(Self.text(CommandEncoder.idleDone()) == "DONE\r\n")
        #expect(Self.text(CommandEncoder.authenticationResponse(Array("user=a\u{1}auth=Bearer t\u{1}\u{1}".utf8)))
            == "dXNlcj1hAWF1dGg9QmVhcmVyIHQBAQ==\r\n")
        #expect(Self.text(CommandEncoder.authenticationResponse([])) == "\r\n")
        #expect(Self.text(CommandEncoder.authenticationCancel()) == "*\r\n")
    }

    @Test func descriptionsHideSecrets() {
        let login = Command.login(username: "joe", password: "hunter2")
        #expect(!login.description.contains("hunter2"))
        let auth = Command.authenticate(mechanism: "PLAIN", initialResponse: Array("\u{0}joe\u{0}hunter2".utf8))
        #expect(!auth.description.contains("AGpvZQBodW50ZXIy"))
        let encoded = CommandEncoder().encode(login, tag: "a1")
        #expect(!encoded.description.contains("hunter2"))
        #expect(Command.select("INBOX").description == "SELECT INBOX")
    }
}
