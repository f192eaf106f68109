import Foundation
import Testing
import TestSupport
@testable import SyncEngine

/// `imapctl sync --debug` prints the IMAP traffic of both sides, interimap's way: credentials
/// redacted, literal payloads elided; `--debug --debug` shows the credentials.
@Suite("imapctl sync --debug", .serialized)
struct SyncDebugTraceTests {
    /// The remote password as it may cross the wire: LOGIN's argument or AUTHENTICATE PLAIN's base64.
    static let passwordForms = ["bobpw", Data("\u{0}bob\u{0}bobpw".utf8).base64EncodedString()]

    @Test("the traffic of both sides, no password, no message body; twice: the password")
    func traffic() async throws {
        let scenario = try await SyncScenario.make(local: CorpusOptions(messages: 2, seed: 41, mailboxes: "INBOX=2"),
                                                   remote: CorpusOptions(messages: 2, seed: 42, mailboxes: "INBOX=2"))
        // Only in a body: it crosses the wire inside a literal (APPEND locally, BODY[] remotely).
        try await scenario.append(.remote, subject: "Tracemarker")

        let first = try await scenario.sync(["--debug"])
        #expect(first.status == 0, "\(first.stderr)")
        let trace = first.stderr
        let lines = trace.split(separator: "\n")
        #expect(lines.contains { $0.contains("remote: C: ") && $0.contains(" SELECT ") }, "\(trace.prefix(4000))")
        #expect(lines.contains { $0.contains("local: C: ") && $0.contains(" SELECT ") })
        #expect(lines.contains { $0.contains("remote: S: ") && $0.contains(" OK ") })
        #expect(lines.contains { $0.contains("remote: C: ") && ($0.contains(" LOGIN bob <redacted>") || $0.contains(" AUTHENTICATE PLAIN <redacted>")) })
        #expect(lines.contains { $0.contains("local: C: ") && $0.contains(" APPEND ") }, "the copy to the local side")
        #expect(lines.contains { $0.contains(" bytes>") }, "literal payloads are shown as their size")
        for form in Self.passwordForms { #expect(!trace.contains(form), "the password leaked as \(form)") }
        #expect(!trace.contains("Tracemarker body"), "a message body leaked")
        #expect(try scenario.checkInSync() == 2 + 3)

        let second = try await scenario.sync(["--debug", "--debug"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(Self.passwordForms.contains { second.stderr.contains($0) }, "--debug --debug shows the credentials")
        #expect(!second.stderr.contains("Tracemarker body"))

        let quiet = try await scenario.sync()
        #expect(quiet.status == 0)
        #expect(!quiet.stderr.contains(": C: "), "no trace without --debug: \(quiet.stderr.prefix(2000))")
    }
}
