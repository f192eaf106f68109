import Credentials
import Foundation
import IMAPCore
import NIOCore
import Testing
@testable import IMAPClient

/// The session's side of the wire trace, without a socket: `.trace` lines come before the write
/// they describe, SASL answers are redacted, and a machine without a trace acts exactly as before.
extension SessionStateMachineTests {
    private func traceLines(_ actions: [SessionAction]) -> [String] {
        actions.flatMap { action -> [String] in
            guard case .trace(let lines) = action else { return [] }
            return lines
        }
    }

    private func wire(_ actions: [SessionAction]) -> String {
        actions.map { action in
            guard case .write(let buffers) = action else { return "" }
            return buffers.map { String(buffer: $0) }.joined()
        }.joined()
    }

    private static let plainResponse = Data("\u{0}joe\u{0}s3cret".utf8).base64EncodedString()

    @Test func authenticatePlainWithoutSASLIR() {
        var machine = ready("IMAP4rev1 AUTH=PLAIN", trace: .hidingSecrets)
        let (tag, submitted) = machine.submit(.noop, role: .authenticate(SASLPlain(username: "joe", password: "s3cret")), now: start)
        #expect(traceLines(submitted) == ["\(tag) AUTHENTICATE PLAIN"])
        let answer = feed(&machine, "+ \r\n")
        #expect(traceLines(answer) == ["<redacted>"])
        #expect(wire(answer) == Self.plainResponse + "\r\n", "the wire itself is unchanged")
        if case .trace = answer.first {} else { Issue.record("the trace line comes before its write: \(answer)") }
    }

    @Test func authenticatePlainWithSASLIR() {
        var machine = ready("IMAP4rev1 SASL-IR AUTH=PLAIN", trace: .hidingSecrets)
        let (tag, submitted) = machine.submit(.noop, role: .authenticate(SASLPlain(username: "joe", password: "s3cret")), now: start)
        #expect(traceLines(submitted) == ["\(tag) AUTHENTICATE PLAIN <redacted>"])
        #expect(wire(submitted) == "\(tag) AUTHENTICATE PLAIN \(Self.plainResponse)\r\n")

        var shown = ready("IMAP4rev1 SASL-IR AUTH=PLAIN", trace: .showingSecrets)
        let (shownTag, shownActions) = shown.submit(.noop, role: .authenticate(SASLPlain(username: "joe", password: "s3cret")), now: start)
        #expect(traceLines(shownActions) == ["\(shownTag) AUTHENTICATE PLAIN \(Self.plainResponse)"])
    }

    @Test func xoauth2TokenAndErrorChallenge() {
        let token: Secret = "ya29.token-value"
        for caps in ["IMAP4rev1 AUTH=XOAUTH2", "IMAP4rev1 SASL-IR AUTH=XOAUTH2"] {
            var machine = ready(caps, trace: .hidingSecrets)
            let (tag, submitted) = machine.submit(.noop, role: .authenticate(SASLXOAuth2(username: "joe", token: token)), now: start)
            // The server's error challenge (base64 JSON) is answered with an empty response, traced redacted too.
            let error = Data(#"{"status":"401","schemes":"bearer"}"#.utf8).base64EncodedString()
            var lines = traceLines(submitted)
            if !caps.contains("SASL-IR") { lines += traceLines(feed(&machine, "+ \r\n")) }
            lines += traceLines(feed(&machine, "+ \(error)\r\n"))
            lines += traceLines(feed(&machine, "\(tag) NO [AUTHENTICATIONFAILED] invalid token\r\n"))
            let first = caps.contains("SASL-IR") ? "\(tag) AUTHENTICATE XOAUTH2 <redacted>" : "\(tag) AUTHENTICATE XOAUTH2"
            let expected = caps.contains("SASL-IR") ? [first, "<redacted>"] : [first, "<redacted>", "<redacted>"]
            #expect(lines == expected, "\(caps)")
            #expect(!lines.joined().contains("ya29"))
        }
    }

    @Test func loginAndIdleAndLiteralParts() {
        var machine = ready("IMAP4rev1 IDLE", trace: .hidingSecrets)
        let (login, loginActions) = machine.submit(.login(username: "joe", password: "s3cret"), role: .login, now: start)
        #expect(traceLines(loginActions) == ["\(login) LOGIN joe <redacted>"])
        #expect(wire(loginActions) == "\(login) LOGIN joe s3cret\r\n")
        _ = feed(&machine, "\(login) OK [CAPABILITY IMAP4rev1 IDLE] in\r\n")

        // A synchronising literal: its second part is traced when the "+" lets it out.
        let message = AppendMessage(data: ByteBuffer(string: "Subject: x\r\n\r\nbody\r\n"))
        let (append, appendActions) = machine.submit(.append("Sent", [message]), role: .append, now: start)
        #expect(traceLines(appendActions) == ["\(append) APPEND Sent {20}"])
        #expect(traceLines(feed(&machine, "+ go\r\n")) == ["<20 bytes>"])
        _ = feed(&machine, "\(append) OK appended\r\n")

        let (idle, idleActions) = machine.submit(.idle, role: .idle(endOnEvent: false), now: start)
        #expect(traceLines(idleActions) == ["\(idle) IDLE"])
        _ = feed(&machine, "+ idling\r\n")
        #expect(traceLines(machine.endIdle(tag: idle, now: start)) == ["DONE"])
    }

    @Test func withoutTraceTheActionsAreTheSame() {
        var traced = ready("IMAP4rev1 AUTH=PLAIN", trace: .hidingSecrets)
        var plain = ready("IMAP4rev1 AUTH=PLAIN")
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
