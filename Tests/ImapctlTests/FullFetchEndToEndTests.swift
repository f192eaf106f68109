import Foundation
import MailStore
import OpenSSLKit
import Testing
import TestSupport

/// `imapctl fullfetch` on a 2,000-message corpus (several messages over 1 MB, non-ASCII
/// mailbox names) from a real Dovecot over imaps, STARTTLS and a tunnel.
@Suite(.serialized) struct FullFetchEndToEndTests {
    let server: DovecotServer
    let directory: TemporaryDirectory

    init() async throws {
        server = try await DovecotServer.start(corpus: CorpusOptions(messages: 2000, seed: 42, bigMessages: 5))
        directory = try TemporaryDirectory(prefix: "imapworker-e2e")
    }

    private var mailboxes: [String] { manifestDigests(server.manifest).keys.sorted() }

    @Test(arguments: ["imaps", "starttls", "tunnel"])
    func everyMessageByteIdenticalAndRerunAddsNothing(kind: String) async throws {
        let imapctl = try Imapctl(database: directory.file("\(kind).db"))
        let user = "user-\(kind)"
        #expect(mailboxes.contains("Lists/Développement"))
        #expect(server.manifest?.mailboxes.values.flatMap(\.messages).filter { $0.size > 1_000_000 }.count ?? 0 >= 5)
        for mailbox in mailboxes {
            let first = try await imapctl.run(server.fullfetchArguments(kind: kind, mailbox: mailbox, userID: user),
                                              password: server.users[0].password)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(try decodeSummary(first.stdout).inserted == server.manifest?.mailboxes[mailbox]?.messages.count)
        }
        #expect(try storedDigests(imapctl.database, userID: user) == manifestDigests(server.manifest))

        for mailbox in mailboxes {
            let again = try await imapctl.run(server.fullfetchArguments(kind: kind, mailbox: mailbox, userID: user),
                                              password: server.users[0].password)
            #expect(again.status == 0, "\(again.stderr)")
            let summary = try decodeSummary(again.stdout)
            #expect(summary.inserted == 0)
            #expect(summary.already_stored == summary.remote_messages)
        }
        #expect(try storedDigests(imapctl.database, userID: user) == manifestDigests(server.manifest))

        // export gives back the same bytes.
        let maildir = directory.file("export-\(kind)")
        let exported = try await imapctl.run(["export", "--userid", user, "--mailbox", "Lists/Développement",
                                              "--maildir", maildir])
        #expect(exported.status == 0, "\(exported.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: maildir + "/cur")
        let digests = try files.map { SHA256.hexDigest(try Data(contentsOf: URL(fileURLWithPath: "\(maildir)/cur/\($0)"))) }
        #expect(digests.sorted() == manifestDigests(server.manifest)["Lists/Développement"])
    }

    @Test func killedMidRunThenRerunLosesAndDuplicatesNothing() async throws {
        let imapctl = try Imapctl(database: directory.file("killed.db"))
        let arguments = server.fullfetchArguments(kind: "imaps", mailbox: "INBOX", userID: "killed")
        let child = try imapctl.start(arguments, password: server.users[0].password, logDirectory: directory.path)
        // Wait until some batches are committed, then kill without warning.
        var stored = 0
        let expected = server.manifest?.mailboxes["INBOX"]?.messages.count ?? 0
        while child.isRunning && stored == 0 {
            try await Task.sleep(for: .milliseconds(20))
            stored = (try? storedDigests(imapctl.database, userID: "killed")["INBOX"]?.count) ?? 0
        }
        child.signal(SIGKILL)
        _ = try await child.wait()
        #expect(stored < expected, "the fetch finished before it could be killed")

        let store = try MailStore(path: imapctl.database, options: .init(readOnly: true))
        #expect(try store.integrityCheck())
        // Traced, with its log kept: a rare hang of this rerun (docs/testing.md) must show where it stopped.
        let rerun = try imapctl.start(arguments + ["--log-level", "trace"], password: server.users[0].password,
                                      logDirectory: directory.path)
        let status: Int32
        do {
            status = try await rerun.wait(timeout: .seconds(300))
        } catch {
            Issue.record("the rerun did not exit; the end of its log: \(rerun.stderr.suffix(6000))")
            throw error
        }
        #expect(status == 0, "\(rerun.stderr.suffix(6000))")
        let digests = try storedDigests(imapctl.database, userID: "killed")["INBOX"]
        #expect(digests == manifestDigests(server.manifest)["INBOX"])
    }

    /// On a terminal with no --pass and no IMAPWORKER_PASSWORD, imapctl asks, with echo off.
    @Test func passwordFromThePromptIsNotEchoed() async throws {
        let imapctl = try Imapctl(database: directory.file("prompt.db"))
        let (status, output) = try await imapctl.runOnTerminal(
            server.fullfetchArguments(kind: "imaps", mailbox: "日本語", userID: "p"),
            prompt: "Password for", answer: server.users[0].password, logDirectory: directory.path)
        #expect(status == 0, "\(output)")
        #expect(output.contains("Password for alice:"))
        #expect(!output.contains(server.users[0].password))
        #expect(try decodeSummary(output.replacingOccurrences(of: "\r", with: "")).inserted
            == server.manifest?.mailboxes["日本語"]?.messages.count)
    }

    @Test func passwordFromAPasswordCommand() async throws {
        let imapctl = try Imapctl(database: directory.file("command.db"))
        let passwordFile = directory.file("password.txt")
        try "\(server.users[0].password)\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        let result = try await imapctl.run(
            server.fullfetchArguments(kind: "starttls", mailbox: "日本語", userID: "c")
                + ["--password-command", "cat '\(passwordFile)'", "--log-level", "trace"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try decodeSummary(result.stdout).inserted == server.manifest?.mailboxes["日本語"]?.messages.count)
        #expect(!result.stderr.contains(server.users[0].password) && !result.stdout.contains(server.users[0].password))
    }

    @Test func passwordNeverAppearsInOutputOrErrors() async throws {
        let imapctl = try Imapctl(database: directory.file("secret.db"))
        let secret = "Tr0ub4dor&3-not-alice"
        let wrong = try await imapctl.run(
            server.fullfetchArguments(kind: "imaps", mailbox: "INBOX", userID: "s") + ["--log-level", "trace"],
            password: secret)
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("authentication failed"))
        #expect(!wrong.stderr.contains(secret) && !wrong.stdout.contains(secret))

        // With the wire trace too (--debug): the traffic is shown, its credentials are not.
        let right = try await imapctl.run(
            server.fullfetchArguments(kind: "imaps", mailbox: "日本語", userID: "s") + ["--log-level", "trace", "--debug"],
            password: server.users[0].password)
        #expect(right.status == 0, "\(right.stderr)")
        #expect(right.stderr.contains("remote: C: A1 AUTHENTICATE PLAIN <redacted>") || right.stderr.contains("remote: C: A1 LOGIN "),
                "\(right.stderr.prefix(2000))")
        #expect(right.stderr.contains("remote: S: * 1 FETCH ("))
        let encoded = Data("\u{0}\(server.users[0].user)\u{0}\(server.users[0].password)".utf8).base64EncodedString()
        for secret in [server.users[0].password, encoded] {
            #expect(!right.stderr.contains(secret) && !right.stdout.contains(secret))
        }
    }
}
