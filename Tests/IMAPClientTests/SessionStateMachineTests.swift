import IMAPCore
import NIOCore
import Testing
@testable import IMAPClient

/// The session's protocol logic without a socket: events in, actions out.
@Suite struct SessionStateMachineTests {
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
    private let timeouts = SessionStateMachine.Timeouts(greeting: .seconds(10), command: .seconds(5))

    /// A machine past the greeting, with these capabilities (and a wire trace, for `WireTraceSessionTests.swift`).
    func ready(_ capabilities: String = "IMAP4rev1", trace: WireTraceMode? = nil) -> SessionStateMachine {
        var machine = SessionStateMachine(timeouts: timeouts, now: start, trace: trace)
        _ = feed(&machine, "* OK [CAPABILITY \(capabilities)] ready\r\n")
        return machine
    }

    /// Parses `text` as server bytes and feeds every event; returns the actions, without snapshots.
    func feed(_ machine: inout SessionStateMachine, _ text: String) -> [SessionAction] {
        var parser = ResponseParser()
        var buffer = ByteBuffer(string: text)
        var actions: [SessionAction] = []
        while let event = try? parser.next(&buffer) { actions += machine.received(event, now: start) }
        return actions.filter { if case .sessionChanged = $0 { false } else { true } }
    }

    private func written(_ actions: [SessionAction]) -> [String] {
        actions.flatMap { action -> [String] in
            guard case .write(let buffers) = action else { return [] }
            return buffers.map { String(buffer: $0) }
        }
    }

    private func ok(_ tag: String, _ text: String = "done") -> TaggedResponse {
        TaggedResponse(tag: tag, state: .ok, text: text)
    }

    /// SELECT INBOX with `exists` messages whose UIDs are 10, 11, 12…; answers the session's own UID SEARCH.
    private func selected(exists: UInt32, _ capabilities: String = "IMAP4rev1") -> SessionStateMachine {
        var machine = ready(capabilities)
        let (tag, _) = machine.submit(.select(.inbox), role: .select(.inbox, readOnly: false), now: start)
        let actions = feed(&machine, "* \(exists) EXISTS\r\n\(tag) OK [READ-WRITE] selected\r\n")
        if let search = written(actions).first, search.contains("UID SEARCH") {
            let searchTag = String(search.prefix { $0 != " " })
            let uids = (0..<exists).map { String(10 + $0) }.joined(separator: " ")
            _ = feed(&machine, "* SEARCH \(uids)\r\n\(searchTag) OK searched\r\n")
        }
        return machine
    }

    @Test func pipelinedTagsCompleteOutOfOrder() {
        var machine = ready()
        let (a, first) = machine.submit(.noop, role: .plain, now: start)
        let (b, second) = machine.submit(.capability, role: .capability, now: start)
        #expect(written(first) == ["\(a) NOOP\r\n"])
        #expect(written(second) == ["\(b) CAPABILITY\r\n"])
        let actions = feed(&machine, "* CAPABILITY IMAP4rev1 IDLE\r\n\(b) OK caps\r\n\(a) OK noop\r\n")
        #expect(actions == [
            .deliver(tag: b, .capability(["IMAP4rev1", "IDLE"])),
            .complete(tag: b, ok(b, "caps")),
            .complete(tag: a, ok(a, "noop")),
        ])
        #expect(machine.capabilities == ["IMAP4rev1", "IDLE"])
        #expect(machine.isIdle)
    }

    @Test func synchronisingLiteralAppendBehindOthers() {
        var machine = ready()
        let (a, _) = machine.submit(.noop, role: .plain, now: start)
        let message = AppendMessage(data: ByteBuffer(string: "Subject: x\r\n\r\nbody\r\n"))
        let (b, append) = machine.submit(.append("Sent", [message]), role: .append, now: start)
        let (c, held) = machine.submit(.noop, role: .plain, now: start)
        #expect(written(append) == ["\(b) APPEND Sent {20}\r\n"])
        // Nothing may be written inside the APPEND's literal.
        #expect(held.isEmpty)
        // The earlier NOOP completes first; the "+" then releases the literal and the later NOOP.
        #expect(feed(&machine, "\(a) OK noop\r\n") == [.complete(tag: a, ok(a, "noop"))])
        #expect(written(feed(&machine, "+ go ahead\r\n")).joined() == "Subject: x\r\n\r\nbody\r\n\r\n\(c) NOOP\r\n")
        _ = feed(&machine, "\(c) OK\r\n\(b) OK [APPENDUID 7 3] appended\r\n")
        #expect(machine.isIdle)
    }

    @Test func literalPlusAppendIsWrittenAtOnce() {
        var machine = ready("IMAP4rev1 LITERAL+")
        let (b, append) = machine.submit(.append("Sent", [AppendMessage(data: ByteBuffer(string: "x"))]), role: .append, now: start)
        // One write, the message being the caller's own buffer (not copied).
        #expect(written(append) == ["\(b) APPEND Sent {1+}\r\n", "x", "\r\n"])
    }

    @Test func saslExchangeDrivesAnyMechanism() {
        var machine = ready("IMAP4rev1 AUTH=LOGIN")
        let (tag, first) = machine.submit(.noop, role: .authenticate(SASLLogin(username: "alice", password: "pw")), now: start)
        #expect(written(first) == ["\(tag) AUTHENTICATE LOGIN\r\n"])
        #expect(written(feed(&machine, "+ VXNlcm5hbWU6\r\n")) == ["YWxpY2U=\r\n"])
        #expect(written(feed(&machine, "+ UGFzc3dvcmQ6\r\n")) == ["cHc=\r\n"])
        // A third challenge: the mechanism cancels.
        #expect(written(feed(&machine, "+ \r\n")) == ["*\r\n"])
        let done = feed(&machine, "\(tag) OK [CAPABILITY IMAP4rev1 IDLE] in\r\n")
        #expect(done == [.complete(tag: tag, TaggedResponse(tag: tag, state: .ok, code: .capability(["IMAP4rev1", "IDLE"]), text: "in"))])
        #expect(machine.capabilities == ["IMAP4rev1", "IDLE"])
    }

    @Test func challengeThatIsNotBase64CancelsWithADetail() {
        var machine = ready("IMAP4rev1 AUTH=LOGIN")
        let (tag, _) = machine.submit(.noop, role: .authenticate(SASLLogin(username: "alice", password: "pw")), now: start)
        #expect(written(feed(&machine, "+ abc\r\n")) == ["*\r\n"])
        let refused = TaggedResponse(tag: tag, state: .bad, text: "cancelled")
        #expect(feed(&machine, "\(tag) BAD cancelled\r\n") == [
            .authenticationDetail(tag: tag, "the server's challenge is not base64"),
            .complete(tag: tag, refused),
        ])
    }

    @Test func saslMechanismsDoNotShowThePassword() {
        var dumped = ""
        dump(SASLPlain(username: "u", password: "hunter2"), to: &dumped)
        dump(SASLLogin(username: "u", password: "hunter2"), to: &dumped)
        #expect(!dumped.contains("hunter2"))
        // Stored bytes would dump as one element per line (`- 104` for the "h").
        #expect(!dumped.contains("- 104"))
    }

    @Test func saslInitialResponseWithAndWithoutSASLIR() {
        var withIR = ready("IMAP4rev1 AUTH=PLAIN SASL-IR")
        let (a, line) = withIR.submit(.noop, role: .authenticate(SASLPlain(username: "u", password: "p")), now: start)
        #expect(written(line) == ["\(a) AUTHENTICATE PLAIN AHUAcA==\r\n"])
        var without = ready("IMAP4rev1 AUTH=PLAIN")
        let (b, bare) = without.submit(.noop, role: .authenticate(SASLPlain(username: "u", password: "p")), now: start)
        #expect(written(bare) == ["\(b) AUTHENTICATE PLAIN\r\n"])
        #expect(written(feed(&without, "+ \r\n")) == ["AHUAcA==\r\n"])
        // Login without capabilities in the OK: they must be re-read.
        _ = feed(&without, "\(b) OK logged in\r\n")
        #expect(without.capabilities.isEmpty)
    }

    @Test func storeGetsOnlyItsOwnMessagesWhileOthersArePushed() {
        var machine = selected(exists: 3)
        let set = UIDSet(UID(11)!)
        let (tag, _) = machine.submit(.uidStore(set, .add([.seen])), role: .store(.uids(set)), now: start)
        let actions = feed(&machine, """
            * 1 FETCH (FLAGS (\\Flagged) UID 10)\r
            * 2 FETCH (FLAGS (\\Seen) UID 11)\r
            * 3 EXPUNGE\r
            * 4 EXISTS\r
            \(tag) OK stored\r

            """)
        #expect(actions == [
            .unsolicited(.flags(sequence: 1, uid: UID(10), flags: [.flagged], modSeq: nil)),
            .fetch(tag: tag, .messageStart(sequence: 2, uid: UID(11))),
            .fetch(tag: tag, .attribute(.flags([.seen]))),
            .fetch(tag: tag, .attribute(.uid(UID(11)!))),
            .fetch(tag: tag, .messageEnd),
            .unsolicited(.expunged(sequence: 3, uid: UID(12))),
            .unsolicited(.exists(4)),
            .complete(tag: tag, ok(tag, "stored")),
        ])
        #expect(machine.snapshot.selected?.exists == 4)
    }

    @Test func fetchWithoutUIDIsRoutedBySequenceMap() {
        var machine = selected(exists: 2)
        let set = UIDSet(UID(11)!)
        let (tag, _) = machine.submit(.uidFetch(set, [.flags]), role: .fetch(.uids(set)), now: start)
        // Sequence 2 is UID 11 by the map; sequence 1 (UID 10) is not in the set.
        let actions = feed(&machine, "* 1 FETCH (FLAGS ())\r\n* 2 FETCH (FLAGS (\\Seen))\r\n")
        #expect(actions == [
            .unsolicited(.flags(sequence: 1, uid: UID(10), flags: [], modSeq: nil)),
            .fetch(tag: tag, .messageStart(sequence: 2, uid: nil)),
            .fetch(tag: tag, .attribute(.flags([.seen]))),
            .fetch(tag: tag, .messageEnd),
        ])
    }

    @Test func hugeRangesStayRanges() {
        var machine = selected(exists: 3, "IMAP4rev1 QRESYNC")
        let all = UIDSet(UID.min...UID.max)
        let (tag, _) = machine.submit(.uidStore(all, .add([.seen]), unchangedSince: 1), role: .store(.uids(all)), now: start)
        let actions = feed(&machine, "* VANISHED 1:4294967295\r\n\(tag) OK [MODIFIED 1:4294967295] conflict\r\n")
        #expect(actions.first == .unsolicited(.vanished(all, earlier: false)))
        #expect(machine.snapshot.selected?.exists == 0)
        guard case .complete(_, let response)? = actions.last, case .modified(let set)? = response.code else {
            Issue.record("no MODIFIED: \(actions)")
            return
        }
        #expect(UIDSet(set) == all)
    }

    @Test func idleDeliversEventsAndEndsOnRequest() {
        var machine = selected(exists: 1)
        let (tag, start) = machine.submit(.idle, role: .idle(endOnEvent: false), now: self.start)
        #expect(written(start) == ["\(tag) IDLE\r\n"])
        #expect(feed(&machine, "+ idling\r\n") == [.idleStarted(tag: tag)])
        while machine.pendingWrites > 0 { machine.writeProgressed(finished: true, now: self.start) }
        // While idling, silence is not a timeout.
        #expect(machine.tick(now: self.start + .seconds(60)).isEmpty)
        #expect(feed(&machine, "* 2 EXISTS\r\n") == [.unsolicited(.exists(2)), .idleEvent(tag: tag, .exists(2))])
        #expect(written(machine.endIdle(tag: tag, now: self.start)) == ["DONE\r\n"])
        #expect(machine.endIdle(tag: tag, now: self.start).isEmpty)
        #expect(feed(&machine, "\(tag) OK idle done\r\n") == [.complete(tag: tag, ok(tag, "idle done"))])
    }

    @Test func idleEndsOnFirstEventOrBeforeItStarted() {
        var machine = selected(exists: 1)
        let (tag, _) = machine.submit(.idle, role: .idle(endOnEvent: true), now: start)
        _ = feed(&machine, "+ idling\r\n")
        #expect(written(feed(&machine, "* 1 EXPUNGE\r\n")) == ["DONE\r\n"])
        _ = feed(&machine, "\(tag) OK\r\n")
        // Ended before the server's "+": DONE goes out right after it.
        let (early, _) = machine.submit(.idle, role: .idle(endOnEvent: false), now: start)
        #expect(machine.endIdle(tag: early, now: start).isEmpty)
        #expect(written(feed(&machine, "+ idling\r\n")) == ["DONE\r\n"])
    }

    @Test func notifyDataGoesToTheEventStream() {
        var machine = selected(exists: 1)
        let actions = feed(&machine, """
            * STATUS Archive (MESSAGES 4 UIDNEXT 9)\r
            * LIST () "/" Newbox\r
            * OK [ALERT] disk nearly full\r

            """)
        #expect(actions == [
            .unsolicited(.status("Archive", MailboxStatus(messages: 4, uidNext: 9))),
            .unsolicited(.mailboxListed(ListItem(attributes: [], delimiter: "/", mailbox: "Newbox"))),
            .unsolicited(.serverNotice(.ok, "disk nearly full")),
        ])
    }

    @Test func byeMidCommandFailsItWithTheServersText() {
        var machine = ready()
        let (tag, _) = machine.submit(.noop, role: .plain, now: start)
        #expect(feed(&machine, "* BYE shutting down\r\n").isEmpty)
        #expect(machine.channelClosed(nil) == [.close(.bye("shutting down"))])
        // Anything submitted afterwards fails at once.
        let (later, actions) = machine.submit(.noop, role: .plain, now: start)
        #expect(actions == [.fail(tag: later, .bye("shutting down"))])
        #expect(tag != later)
    }

    @Test func unknownTagAndStrayContinuationAreProtocolErrors() {
        var machine = ready()
        guard case .close(.protocolError)? = feed(&machine, "Z9 OK what\r\n").first else {
            Issue.record("unknown tag accepted")
            return
        }
        var other = ready()
        guard case .close(.protocolError)? = feed(&other, "+ nothing waits\r\n").first else {
            Issue.record("stray continuation accepted")
            return
        }
    }

    @Test func startTLSSwitchesTheStreamBeforeCompleting() {
        var machine = ready("IMAP4rev1 STARTTLS")
        let (tag, _) = machine.submit(.startTLS, role: .startTLS, now: start)
        let actions = feed(&machine, "\(tag) OK begin TLS\r\n")
        #expect(actions == [.switchStream(.tls, tag: tag), .complete(tag: tag, ok(tag, "begin TLS"))])
        #expect(machine.capabilities.isEmpty)
    }

    @Test func deadlinesInBothDirections() {
        // Silence while a command is outstanding.
        var silent = ready()
        _ = silent.submit(.noop, role: .plain, now: start)
        #expect(silent.tick(now: start + .seconds(4)).isEmpty)
        guard case .close(.timeout)? = silent.tick(now: start + .seconds(6)).first else {
            Issue.record("no timeout")
            return
        }
        // A write that never completes, although the server keeps talking (nothing is parsed for us).
        var stuck = ready()
        _ = stuck.submit(.append("X", [AppendMessage(data: ByteBuffer(repeating: 0x41, count: 10))]), role: .append, now: start)
        stuck.writeProgressed(finished: false, now: start + .seconds(3))
        #expect(stuck.tick(now: start + .seconds(7)).isEmpty)
        guard case .close(.timeout(let text))? = stuck.tick(now: start + .seconds(9)).first else {
            Issue.record("no write timeout")
            return
        }
        #expect(text.contains("did not accept"))
        // Nothing outstanding: no deadline.
        var quiet = ready()
        #expect(quiet.tick(now: start + .seconds(3600)).isEmpty)
        // A consumer holding reads back is not the server's fault.
        var paused = ready()
        _ = paused.submit(.noop, role: .plain, now: start)
        paused.writeProgressed(finished: true, now: start)
        paused.readsPaused(true, now: start)
        #expect(paused.tick(now: start + .seconds(60)).isEmpty)
    }

    @Test func selectCollectsItsDataAndLearnsUIDs() {
        var machine = ready("IMAP4rev1 ESEARCH")
        let (tag, _) = machine.submit(.select(.inbox), role: .select(.inbox, readOnly: false), now: start)
        let actions = feed(&machine, """
            * FLAGS (\\Seen)\r
            * 2 EXISTS\r
            * OK [UIDVALIDITY 42] ok\r
            \(tag) OK [READ-WRITE] selected\r

            """)
        #expect(actions.contains(.deliver(tag: tag, .exists(2))))
        #expect(written(actions).first?.contains("UID SEARCH RETURN (ALL) ALL") == true)
        #expect(machine.snapshot.selected?.uidValidity == UIDValidity(42))
        let searchTag = "A2"
        _ = feed(&machine, "* ESEARCH (TAG \"A2\") UID ALL 5:6\r\n\(searchTag) OK\r\n")
        #expect(machine.mailbox?.uid(atSequence: 2) == UID(6))
        #expect(feed(&machine, "* 1 EXPUNGE\r\n") == [.unsolicited(.expunged(sequence: 1, uid: UID(5)))])
    }

    @Test func moveGetsItsCopyUIDAndExpungesAndSearchesMatchTheirTag() {
        var machine = selected(exists: 3, "IMAP4rev1 MOVE UIDPLUS ESEARCH")
        let set = UIDSet(UID(10)!)
        let (move, _) = machine.submit(.uidMove(set, to: "Archive"), role: .copy, now: start)
        let (first, _) = machine.submit(.uidSearch(criteria: "ALL", returning: [.count]), role: .search, now: start)
        let (second, _) = machine.submit(.uidSearch(criteria: "SEEN", returning: [.count]), role: .search, now: start)
        let actions = feed(&machine, """
            * ESEARCH (TAG "\(second)") UID COUNT 1
            * OK [COPYUID 9 10 20] moved
            * 1 EXPUNGE
            * ESEARCH (TAG "\(first)") UID COUNT 2

            """)
        #expect(actions == [
            .deliver(tag: second, .esearch(ESearchResponse(tag: second, uid: true, count: 1))),
            .deliver(tag: move, .condition(.ok, code: .copyUID(uidValidity: UIDValidity(9)!, source: set,
                                                               destination: UIDSet(UID(20)!)), text: "moved")),
            .deliver(tag: move, .vanished(set, earlier: false)),
            .unsolicited(.expunged(sequence: 1, uid: UID(10))),
            .deliver(tag: first, .esearch(ESearchResponse(tag: first, uid: true, count: 2))),
        ])
    }
}
