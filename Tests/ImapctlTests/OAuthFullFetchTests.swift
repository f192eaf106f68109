import Foundation
import Testing
import TestSupport

/// `imapctl fullfetch` with an OAuth access token from a token command, the environment or the
/// configuration file, against a Dovecot that checks tokens with a local introspection endpoint.
@Suite(.serialized) struct OAuthFullFetchTests {
    static let token = "ya29.imapctl-Token_for~alice.42"
    let endpoint: OAuth2TokenEndpoint
    let server: DovecotServer
    let directory: TemporaryDirectory

    init() async throws {
        endpoint = try await OAuth2TokenEndpoint.start(tokens: [Self.token: "alice"])
        server = try await DovecotServer.start(corpus: CorpusOptions(messages: 25, seed: 9), oauth2: endpoint)
        directory = try TemporaryDirectory(prefix: "imapworker-oauth-e2e")
    }

    private var inboxCount: Int? { server.manifest?.mailboxes["INBOX"]?.messages.count }

    private func expectNoToken(_ result: (status: Int32, stdout: String, stderr: String), _ token: String = token) {
        #expect(!result.stdout.contains(token) && !result.stderr.contains(token))
    }

    @Test(arguments: ["xoauth2", "oauthbearer"])
    func tokenCommandFetchesTheMailbox(mechanism: String) async throws {
        let imapctl = try Imapctl(database: directory.file("command-\(mechanism).db"))
        let result = try await imapctl.run(
            server.fullfetchArguments(kind: "imaps", mailbox: "INBOX", userID: "u")
                + ["--auth", mechanism, "--oauth-token-command", "printf %s \(Self.token)", "--log-level", "trace"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try decodeSummary(result.stdout).inserted == inboxCount)
        expectNoToken(result)
    }

    @Test func tokenFromTheEnvironmentAndCommandFromTheConfigurationFile() async throws {
        let imapctl = try Imapctl(database: directory.file("env.db"))
        let fromEnvironment = try await imapctl.run(
            server.fullfetchArguments(kind: "starttls", mailbox: "INBOX", userID: "env") + ["--auth", "OAUTHBEARER"],
            oauthToken: Self.token)
        #expect(fromEnvironment.status == 0, "\(fromEnvironment.stderr)")
        #expect(try decodeSummary(fromEnvironment.stdout).inserted == inboxCount)

        let tokenFile = directory.file("token.txt")
        try "\(Self.token)\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let config = directory.file("oauth.yaml")
        try """
            imap:
              auth_mechanisms: [XOAUTH2]
              oauth_token_command: "cat '\(tokenFile)'"
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let fromConfiguration = try await imapctl.run(
            server.fullfetchArguments(kind: "imaps", mailbox: "INBOX", userID: "conf") + ["--config", config])
        #expect(fromConfiguration.status == 0, "\(fromConfiguration.stderr)")
        #expect(try decodeSummary(fromConfiguration.stdout).inserted == inboxCount)
    }

    @Test func aWrongTokenIsRefusedWithTheServersDetail() async throws {
        let imapctl = try Imapctl(database: directory.file("wrong.db"))
        let wrong = "ya29.expired-Token_0000"
        let result = try await imapctl.run(
            server.fullfetchArguments(kind: "imaps", mailbox: "INBOX", userID: "w")
                + ["--auth", "xoauth2", "--oauth-token", wrong, "--log-level", "trace"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("authentication failed"))
        #expect(result.stderr.contains("invalid_token (status 401, scope mail)"), "\(result.stderr)")
        expectNoToken(result, wrong)
    }

    @Test func aFailingTokenCommandIsAClearErrorThatShowsNoOutput() async throws {
        let imapctl = try Imapctl(database: directory.file("failing.db"))
        let result = try await imapctl.run(
            server.fullfetchArguments(kind: "imaps", mailbox: "INBOX", userID: "f")
                + ["--auth", "xoauth2", "--oauth-token-command", "echo half-a-token; exit 2"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("the OAuth token command exited with status 2 (its output is not shown)"),
                "\(result.stderr)")
        #expect(!result.stderr.contains("half-a-token") && !result.stdout.contains("half-a-token"))
    }

    /// With only OAuth mechanisms and no token, imapctl asks for the token (not a password).
    @Test func tokenFromThePromptIsNotEchoed() async throws {
        let imapctl = try Imapctl(database: directory.file("prompt.db"))
        let (status, output) = try await imapctl.runOnTerminal(
            server.fullfetchArguments(kind: "imaps", mailbox: "INBOX", userID: "p") + ["--auth", "xoauth2"],
            prompt: "OAuth access token for", answer: Self.token, logDirectory: directory.path)
        #expect(status == 0, "\(output)")
        #expect(output.contains("OAuth access token for alice:"))
        #expect(!output.contains("Password for"))
        #expect(!output.contains(Self.token))
        #expect(try decodeSummary(output.replacingOccurrences(of: "\r", with: "")).inserted == inboxCount)
    }
}
