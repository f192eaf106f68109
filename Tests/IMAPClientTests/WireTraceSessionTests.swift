import Credentials
import Foundation
import IMAPCore
import NIOCore
import Testing
@testable import IMAPClient

/// The session's side of the wire trace, without a socket: `.trace` lines come before the write
/// they describe, SASL answers are redacted, and a machine without a trace acts exactly as before.
@Suite("Wire trace: session")
struct WireTraceSessionTests {
    private let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    private func ready(_ capabilities: String, trace: WireTraceMode? = .hidingSecrets) -> SessionStateMachine {
        var machine = SessionStateMachine(timeouts: .init(greeting: .seconds(10), command: .seconds(5)), now: start, trace: trace)
        _ = feed(&machine, "* OK [CAPABILITY \(capabilities)] ready\r\n")
        return machine
    }

    private func feed(_ machine: inout SessionStateMachine, _ text: String) -> [SessionAction] {
        var parser = ResponseParser()
        var buffer = ByteBuffer(string: text)
        var actions: [SessionAction] = []
        while let event = try? parser.next(&buffer) { actions += machine.received(event, now: start) }
        return actions.filter { if case .sessionChanged = $0 { false } else { true } }
    }

    private func traced(_ actions: [SessionAction]) -> [String] {
        actions.flatMap { action -> [String] in
            guard case .trace(let lines) = action else { return [] }
            return lines
        }
    }

    private func written(_ actions: [SessionAction]) -> String {
        actions.map { action in
            guard case .write(let buffers) = action else { return "" }
            return buffers.map { String(buffer: $0) }.joined()
        }.joined()
    }

    private static let plainResponse = Data("\u{0}joe\u{0}s3cret".utf8).base64EncodedString()

    @Test func authenticatePlainWithoutSASLIR() {
        var machine = ready("IMAP4rev1 AUTH=PLAIN")
        let (tag, submitted) = machine.submit(.noop, role: .authenticate(SASLPlain(username: "joe", password: "s3cret")), now: start)
        #expect(traced(submitted) == ["\(tag) AUTHENTICATE PLAIN"])
        let answer = feed(&machine, "+ \r\n")
        #expect(traced(answer) == ["<redacted>"])
        #expect(written(answer) == Self.plainResponse + "\r\n", "the wire itself is unchanged")
        if case .trace = answer.first {} else { Issue.record("the trace line comes before its write: \(answer)") }
    }

    @Test func authenticatePlainWithSASLIR() {
        var machine = ready("IMAP4rev1 SASL-IR AUTH=PLAIN")
        let (tag, submitted) = machine.submit(.noop, role: .authenticate(SASLPlain(username: "joe", password: "s3cret")), now: start)
        #expect(traced(submitted) == ["\(tag) AUTHENTICATE PLAIN <redacted>"])
        #expect(written(submitted) == "\(tag) AUTHENTICATE PLAIN \(Self.plainResponse)\r\n")

        var shown = ready("IMAP4rev1 SASL-IR AUTH=PLAIN", trace: .showingSecrets)
        let (shownTag, shownActions) = shown.submit(.noop, role: .authenticate(SASLPlain(username: "joe", password: "s3cret")), now: start)
        #expect(traced(shownActions) == ["\(shownTag) AUTHENTICATE PLAIN \(Self.plainResponse)"])
    }

    @Test func xoauth2TokenAndErrorChallenge() {
        let token: Secret = "ya29.token-value"
        for caps in ["IMAP4rev1 AUTH=XOAUTH2", "IMAP4rev1 SASL-IR AUTH=XOAUTH2"] {
            var machine = ready(caps)
            let (tag, submitted) = machine.submit(.noop, role: .authenticate(SASLXOAuth2(username: "joe", token: token)), now: start)
            // The server's error challenge (base64 JSON) is answered with an empty response, traced redacted too.
            let error = Data(#"{"status":"401","schemes":"bearer"}"#.utf8).base64EncodedString()
            var lines = traced(submitted)
            if !caps.contains("SASL-IR") { lines += traced(feed(&machine, "+ \r\n")) }
            lines += traced(feed(&machine, "+ \(error)\r\n"))
            lines += traced(feed(&machine, "\(tag) NO [AUTHENTICATIONFAILED] invalid token\r\n"))
            let first = caps.contains("SASL-IR") ? "\(tag) AUTHENTICATE XOAUTH2 <redacted>" : "\(tag) AUTHENTICATE XOAUTH2"
            let expected = caps.contains("SASL-IR") ? [first, "<redacted>"] : [first, "<redacted>", "<redacted>"]
            #expect(lines == expected, "\(caps)")
            #expect(!lines.joined().contains("ya29"))
        }
    }

    @Test func loginAndIdleAndLiteralParts() {
        var machine = ready("IMAP4rev1 IDLE")
        let (login, loginActions) = machine.submit(.login(username: "joe", password: "s3cret"), role: .login, now: start)
        #expect(traced(loginActions) == ["\(login) LOGIN joe <redacted>"])
        #expect(written(loginActions) == "\(login) LOGIN joe s3cret\r\n")
        _ = feed(&machine, "\(login) OK [CAPABILITY IMAP4rev1 IDLE] in\r\n")

        // A synchronising literal: its second part is traced when the "+" lets it out.
        let message = AppendMessage(data: ByteBuffer(string: "Subject: x\r\n\r\nbody\r\n"))
        let (append, appendActions) = machine.submit(.append("Sent", [message]), role: .append, now: start)
        #expect(traced(appendActions) == ["\(append) APPEND Sent {20}"])
        #expect(traced(feed(&machine, "+ go\r\n")) == ["<20 bytes>"])
        _ = feed(&machine, "\(append) OK appended\r\n")

        let (idle, idleActions) = machine.submit(.idle, role: .idle(endOnEvent: false), now: start)
        #expect(traced(idleActions) == ["\(idle) IDLE"])
        _ = feed(&machine, "+ idling\r\n")
        #expect(traced(machine.endIdle(tag: idle, now: start)) == ["DONE"])
    }

    @Test func withoutTraceTheActionsAreTheSame() {
        var traced = ready("IMAP4rev1 AUTH=PLAIN")
        var plain = ready("IMAP4rev1 AUTH=PLAIN", trace: nil)
        func both(_ step: (inout SessionStateMachine) -> [SessionAction]) {
            let withTrace = step(&traced).filter { if case .trace = $0 { false } else { true } }
            let without = step(&plain)
            #expect(withTrace == without)
            #expect(!without.contains { if case .trace = $0 { true } else { false } })
        }
        both { $0.submit(.noop, role: .authenticate(SASLPlain(username: "joe", password: "pw")), now: start).actions }
        both { feed(&$0, "+ \r\n") }
        both { feed(&$0, "A1 OK in\r\n") }
        both { $0.submit(.select(.inbox), role: .select(.inbox, readOnly: false), now: start).actions }
        both { feed(&$0, "* 2 EXISTS\r\nA2 OK [READ-WRITE] selected\r\n") }
    }
}
