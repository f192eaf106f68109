import IMAPCore
import NIOCore
import Testing

/// The commands the sync engine and the daemon use beyond plain fetching: MOVE/COPY, NAMESPACE,
/// NOTIFY, QRESYNC with sequence match, typed SEARCH, APPEND without copying the message.
@Suite("CommandEncoder: sync commands")
struct SyncCommandEncoderTests {
    static func set(_ text: String) -> UIDSet {
        guard let set = UIDSet(parsing: text) else { preconditionFailure("bad UID set in test table: \(text)") }
        return set
    }

    static func sequence(_ text: String) -> SequenceSet {
        guard let set = SequenceSet(parsing: text) else { preconditionFailure("bad sequence set in test table: \(text)") }
        return set
    }

    static func day(_ y: Int, _ m: Int, _ d: Int) -> SearchDate {
        guard let date = SearchDate(year: y, month: m, day: d) else { preconditionFailure("bad date in test table") }
        return date
    }

    static let table: [(Command, String)] = [
        (.move(sequence("2:4"), to: "Archive"), "a1 MOVE 2:4 Archive\r\n"),
        (.uidMove(set("42:45,47"), to: "Lists/Développement"), "a1 UID MOVE 42:45,47 Lists/D&AOk-veloppement\r\n"),
        (.copy(sequence("1"), to: "My Box"), "a1 COPY 1 \"My Box\"\r\n"),
        (.uidCopy(set("1:*"), to: .inbox), "a1 UID COPY 1:* INBOX\r\n"),
        (.namespace, "a1 NAMESPACE\r\n"),
        (.notifyNone, "a1 NOTIFY NONE\r\n"),
        (.notify(NotifyParameters(status: true, groups: [
            NotifyEventGroup(.selected, [.messageNew([.uid, .flags, .modSeq]), .messageExpunge, .flagChange]),
            NotifyEventGroup(.personal, [.mailboxName, .subscriptionChange, .messageNew([]), .messageExpunge]),
        ])), "a1 NOTIFY SET STATUS (SELECTED (MessageNew (UID FLAGS MODSEQ) MessageExpunge FlagChange))"
            + " (PERSONAL (MailboxName SubscriptionChange MessageNew MessageExpunge))\r\n"),
        (.notify(NotifyParameters(groups: [
            NotifyEventGroup(.selectedDelayed, [.messageExpunge]),
            NotifyEventGroup(.inboxes, []),
            NotifyEventGroup(.subscribed, [.annotationChange, .mailboxMetadataChange, .serverMetadataChange]),
            NotifyEventGroup(.subtree(["Lists"]), [.messageNew([])]),
            NotifyEventGroup(.mailboxes(["INBOX", "My Box"]), [.other("X-Event")]),
        ])), "a1 NOTIFY SET (SELECTED-DELAYED (MessageExpunge)) (INBOXES NONE)"
            + " (SUBSCRIBED (AnnotationChange MailboxMetadataChange ServerMetadataChange))"
            + " (SUBTREE Lists (MessageNew)) (MAILBOXES (INBOX \"My Box\") (X-Event))\r\n"),
        (.select("INBOX", .init(qresync: .init(uidValidity: validity(67890007), modSeq: 90060115194045000,
                                                knownUIDs: set("1:5"),
                                                sequenceMatch: SequenceMatch(sequenceNumbers: sequence("1:3,5"),
                                                                             uids: set("1,3,5,9"))))),
         "a1 SELECT INBOX (QRESYNC (67890007 90060115194045000 1:5 (1:3,5 1,3,5,9)))\r\n"),
        (.examine("INBOX", .init(qresync: .init(uidValidity: validity(1), modSeq: 9,
                                                 sequenceMatch: SequenceMatch(sequenceNumbers: sequence("4"), uids: set("8"))))),
         "a1 EXAMINE INBOX (QRESYNC (1 9 (4 8)))\r\n"),
        (.list(reference: "", patterns: ["*"], selectOptions: [.specialUse],
               returnOptions: [.specialUse, .children, .subscribed, .status([.messages, .uidValidity, .highestModSeq])]),
         "a1 LIST (SPECIAL-USE) \"\" * RETURN (SPECIAL-USE CHILDREN SUBSCRIBED STATUS (MESSAGES UIDVALIDITY HIGHESTMODSEQ))\r\n"),
        (.uidSearch(criteria: .and([.all]), returning: [.all, .count, .min, .max]), "a1 UID SEARCH RETURN (ALL COUNT MIN MAX) ALL\r\n"),
        (.uidSearch(criteria: .and([.uid(set("100:*")), .modSeq(720162338), .since(day(2024, 2, 1))])),
         "a1 UID SEARCH UID 100:* MODSEQ 720162338 SINCE 1-Feb-2024\r\n"),
        (.uidSearch(criteria: .header("Message-ID", "<a\"b@example.com>"), returning: []),
         "a1 UID SEARCH RETURN () HEADER Message-ID \"<a\\\"b@example.com>\"\r\n"),
        (.uidSearch(criteria: .or(.not(.seen), .and([.flagged, .before(day(1999, 12, 31))]))),
         "a1 UID SEARCH OR NOT SEEN (FLAGGED BEFORE 31-Dec-1999)\r\n"),
        (.search(criteria: .and([.not(.deleted), .larger(1_000_000), .keyword("$Junk"), .emailID("M6d99ac3275bb4e")])),
         "a1 SEARCH NOT DELETED LARGER 1000000 KEYWORD $Junk EMAILID M6d99ac3275bb4e\r\n"),
        (.search(criteria: .and([])), "a1 SEARCH ALL\r\n"),
        (.search(criteria: .sequenceNumbers(sequence("1:10"))), "a1 SEARCH 1:10\r\n"),
        (.uidSearch(criteria: .and([.raw("X-GM-RAW \"has:attachment\""), .unseen])),
         "a1 UID SEARCH X-GM-RAW \"has:attachment\" UNSEEN\r\n"),
        (.uidSearch(criteria: .modSeq(.zero)), "a1 UID SEARCH MODSEQ 0\r\n"),
    ]

    @Test("exact bytes", arguments: table)
    func exactBytes(_ pair: (Command, String)) {
        #expect(CommandEncoderTests.parts(pair.0) == [pair.1])
    }

    @Test func nonASCIISearchStringsAddCharsetAndUseALiteral() {
        #expect(CommandEncoderTests.parts(.uidSearch(criteria: .subject("Grüße")))
            == ["a1 UID SEARCH CHARSET UTF-8 SUBJECT {7}\r\n", "Grüße\r\n"])
    }

    @Test func appendKeepsTheMessageBufferWithoutCopying() {
        let data = ByteBuffer(repeating: UInt8(ascii: "m"), count: 100_000)
        let encoded = CommandEncoder(literalPlus: true).encode(.append("INBOX", [AppendMessage(data: data)]), tag: "a1")
        #expect(encoded.chunks.count == 1)
        let chunks = encoded.chunks[0]
        #expect(chunks.count == 3)
        #expect(String(buffer: chunks[0]) == "a1 APPEND INBOX {100000+}\r\n")
        #expect(String(buffer: chunks[2]) == "\r\n")
        let original = data.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        let sent = chunks[1].withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        #expect(original == sent, "the message is the caller's storage, not a copy")
        // `parts` joins the chunks (for callers that want one buffer per part).
        #expect(encoded.parts.map(\.readableBytes) == [27 + 100_000 + 2])
    }

    @Test func synchronisingAppendSplitsIntoPartsOfChunks() {
        let data = ByteBuffer(string: "Hi\r\n")
        let encoded = CommandEncoder().encode(.append("INBOX", [AppendMessage(data: data), AppendMessage(data: data)]), tag: "a1")
        #expect(encoded.chunks.map { $0.map { String(buffer: $0) } }
            == [["a1 APPEND INBOX {4}\r\n"], ["Hi\r\n", " {4}\r\n"], ["Hi\r\n", "\r\n"]])
    }
}
