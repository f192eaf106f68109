import IMAPCore
import NIOCore
import Testing

@Suite("Value types")
struct ValueTypeTests {
    @Test func uidRejectsZero() {
        #expect(UID(0) == nil)
        #expect(UID(rawValue: 7)?.rawValue == 7)
        #expect(UID.max.rawValue == UInt32.max)
    }

    @Test func uidValidityRejectsZero() {
        #expect(UIDValidity(0) == nil)
        #expect(UIDValidity(rawValue: 0) == nil)
        #expect(UIDValidity(67_890_007)?.rawValue == 67_890_007)
        #expect(UIDValidity(42)?.description == "42")
        #expect(validity(42) < validity(43))
    }

    @Test func modSequenceAllowsZeroAndTheFull64Bits() {
        #expect(ModSequence.zero.isZero)
        #expect(ModSequence(0) == .zero)
        #expect(!ModSequence(1).isZero)
        #expect(ModSequence(UInt64.max).description == "18446744073709551615")
        let literal: ModSequence = 20_050_715_194_045_000
        #expect(literal.rawValue == 20_050_715_194_045_000)
        #expect(ModSequence(5) < ModSequence(6))
    }

    @Test func sequenceSetParsesAndEncodes() throws {
        let set = try #require(SequenceSet(parsing: "1:5,9,12:*"))
        #expect(set.imapString == "1:5,9,12:*")
        #expect(set.contains(3))
        #expect(!set.contains(7))
        #expect(set.contains(4_000_000_000))
        #expect(SequenceSet(parsing: "7:3")?.imapString == "3:7")
        for bad in ["", "0", "1:", ",1", "a", "1::2", "1,,2", "4294967296"] {
            #expect(SequenceSet(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func sequenceSetCountsAndIterates() throws {
        let set = try #require(SequenceSet(parsing: "9,1:3,2:4,6"))
        #expect(set.count == 6)
        #expect(Array(set) == [1, 2, 3, 4, 6, 9])
        #expect(set.normalized().imapString == "1:4,6,9")
        #expect(SequenceSet(numbers: [5, 1, 2, 3, 9, 10])?.imapString == "1:3,5,9:10")
        #expect(SequenceSet(numbers: [UInt32]()) == nil)
        #expect(SequenceSet(ranges: [0...3]) == nil)
        #expect(SequenceSet(1...3).imapString == "1:3")
    }

    @Test func uidSetBehavesLikeSequenceSet() throws {
        let set = try #require(UIDSet(parsing: "304,319:320"))
        #expect(set.count == 3)
        #expect(Array(set).map(\.rawValue) == [304, 319, 320])
        #expect(set.contains(try #require(UID(319))))
        #expect(!set.contains(try #require(UID(305))))
        #expect(UIDSet(uids: [3, 1, 2].compactMap { UID($0) })?.imapString == "1:3")
        #expect(UIDSet(UID.min...UID.max).imapString == "1:*")
        #expect(UIDSet(try #require(UID(7))).imapString == "7")
    }

    @Test func internalDateFormatsAndConverts() throws {
        let date = try #require(InternalDate(year: 1996, month: 7, day: 17, hour: 2, minute: 44, second: 25,
                                             utcOffsetMinutes: -420))
        #expect(date.imapString == "17-Jul-1996 02:44:25 -0700")
        #expect(date.epochSeconds == 837_596_665)
        let back = InternalDate(epoch: 837_596_665, utcOffsetMinutes: -420)
        #expect(back == date)
        #expect(InternalDate(epoch: 0).imapString == "01-Jan-1970 00:00:00 +0000")
        #expect(InternalDate(epoch: -1).imapString == "31-Dec-1969 23:59:59 +0000")
        #expect(InternalDate(epoch: 951_782_400, utcOffsetMinutes: 90).imapString == "29-Feb-2000 01:30:00 +0130")
        #expect(InternalDate(year: 2023, month: 2, day: 29, hour: 0, minute: 0, second: 0, utcOffsetMinutes: 0) == nil)
    }

    @Test func flagsCompareSystemFlagsCaseInsensitively() {
        #expect(MessageFlag("\\SEEN") == .seen)
        #expect(Set([MessageFlag("\\seen"), .seen]).count == 1)
        #expect(MessageFlag("$Forwarded") != MessageFlag("$forwarded"))
        #expect(MessageFlag.wildcard.rawValue == "\\*")
    }

    @Test func capabilitiesCompareCaseInsensitively() {
        #expect(Capability("idle") == .idle)
        #expect(Set([Capability("Condstore"), .condstore]).count == 1)
        #expect(Capability("auth=plain").authMechanism == "PLAIN")
        #expect(Capability.idle.authMechanism == nil)
        #expect(MailboxAttribute("\\noselect") == .noSelect)
    }

    @Test func mailboxNamesKeepRawBytesAndNormaliseInbox() {
        let name = MailboxName("Lists/Développement")
        #expect(name.raw == Array("Lists/D&AOk-veloppement".utf8))
        #expect(name.name == "Lists/Développement")
        #expect(MailboxName(raw: Array("inbox".utf8)) == .inbox)
        #expect(MailboxName(raw: Array("inbox".utf8)).isInbox)
        let utf8 = MailboxName(raw: Array("Entwürfe".utf8))
        #expect(utf8.name == "Entwürfe")
    }

    @Test func parseErrorsDescribeThemselves() {
        let error = IMAPParseError.invalid("expected SP")
        #expect(error.description == "IMAP parse error: expected SP")
        #expect(IMAPParseError.lineTooLong.reason == "response line too long")
        #expect(IMAPParseError.tooDeep != .literalTooLarge)
    }
}
