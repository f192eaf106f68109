import Credentials
import Foundation
import IMAPClient
import Testing
import TestSupport

/// The exact AUTHENTICATE traffic of the OAuth mechanisms, with and without SASL-IR, and the
/// error paths a real server does not produce (a challenge that is not base64).
@Suite struct OAuthWireTests {
    static let token = "ya29.wire-Token_42"

    private func run(_ script: IMAPScript, _ mechanism: AuthMechanism, log: CapturedLog = CapturedLog())
        async throws -> (IMAPClientError?, [String])
    {
        let server = try await ScriptedIMAPServer.start(script: script)
        let configuration = IMAPClientConfiguration(
            server: ServerAddress(host: server.host, port: server.port), kind: .plain, username: "alice@example.com",
            oauthToken: Secret(Self.token), authMechanisms: [mechanism], connectTimeout: .seconds(60),
            commandTimeout: .seconds(60))
        var failure: IMAPClientError?
        do {
            try await IMAPSession.withSession(configuration, logger: log.logger()) { _ in }
        } catch let error as IMAPClientError {
            failure = error
        }
        #expect(server.mismatches.isEmpty)
        #expect(!log.text.contains(Self.token))
        if let failure { #expect(!"\(failure)".contains(Self.token)) }
        return (failure, server.receivedLines)
    }

    private static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
    private static let xoauth2 = base64("user=alice@example.com\u{1}auth=Bearer \(token)\u{1}\u{1}")

    /// Runs a script whose login must be refused: the error's text and the client's lines.
    private func refusal(_ script: IMAPScript, _ mechanism: AuthMechanism) async throws -> (text: String, lines: [String]) {
        let (error, lines) = try await run(script, mechanism)
        guard case .authenticationFailed(let text)? = error else {
            throw TestHarnessError("expected authenticationFailed, got \(String(describing: error))")
        }
        return (text, lines)
    }

    /// A server offering these capabilities that expects AUTHENTICATE first.
    private static func offering(_ capabilities: String) -> IMAPScript {
        IMAPScript.greeting("* OK [CAPABILITY IMAP4rev1 \(capabilities)] ready").expectCommand("AUTHENTICATE")
    }

    private static func loggedOut(_ script: IMAPScript) -> IMAPScript {
        script.expectCommand("LOGOUT").sendLine("* BYE bye").sendTagged("OK done")
    }

    @Test func saslIRSendsTheMessageOnTheCommandLine() async throws {
        let script = Self.loggedOut(Self.offering("SASL-IR AUTH=XOAUTH2")
            .sendTagged("OK [CAPABILITY IMAP4rev1] in"))
        let (error, lines) = try await run(script, .xoauth2)
        #expect(error == nil)
        #expect(lines.first == "A1 AUTHENTICATE XOAUTH2 \(Self.xoauth2)")
    }

    @Test func withoutSASLIRTheMessageAnswersTheFirstChallenge() async throws {
        let script = Self.loggedOut(Self.offering("AUTH=XOAUTH2")
            .send("+ \r\n").expect(Self.xoauth2).sendTagged("OK [CAPABILITY IMAP4rev1] in"))
        let (error, lines) = try await run(script, .xoauth2)
        #expect(error == nil)
        #expect(Array(lines.prefix(2)) == ["A1 AUTHENTICATE XOAUTH2", Self.xoauth2])
    }

    /// Gmail's failure: the JSON challenge, our empty answer, then NO with its text.
    @Test func xoauth2FailureAsGmailSendsIt() async throws {
        let json = #"{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}"#
        let script = Self.offering("SASL-IR AUTH=XOAUTH2")
            .sendLine("+ \(Self.base64(json))").expect("")
            .sendTagged("NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)")
        let (text, lines) = try await refusal(script, .xoauth2)
        #expect(text.contains(": Invalid credentials (Failure)") && text.contains("invalid_request (status 400, scope https://mail.google.com/)"))
        #expect(lines.count == 2 && lines.last == "")
    }

    /// RFC 7628 §3.2.3 without SASL-IR: the message after "+ ", the error, our ^A, the NO.
    @Test func oauthBearerFailureWithoutSASLIR() async throws {
        let json = #"{"status":"invalid_token","scope":"mail"}"#
        let script = Self.offering("AUTH=OAUTHBEARER")
            .send("+ \r\n").expect("bix")
            .sendLine("+ \(Self.base64(json))").expect("AQ==")
            .sendTagged("NO [AUTHENTICATIONFAILED] Authentication failed.")
        let (text, lines) = try await refusal(script, .oauthBearer)
        #expect(text.contains("Authentication failed.") && text.contains("invalid_token (scope mail)"))
        #expect(lines.count == 3 && lines[0] == "A1 AUTHENTICATE OAUTHBEARER" && lines[2] == "AQ==")
        let decoded = Data(base64Encoded: lines[1]).map { String(decoding: $0, as: UTF8.self) }
        #expect(decoded?.hasPrefix("n,a=alice@example.com,\u{1}host=127.0.0.1\u{1}port=") == true)
        #expect(decoded?.hasSuffix("\u{1}auth=Bearer \(Self.token)\u{1}\u{1}") == true)
    }

    @Test func aChallengeThatIsNotBase64IsCancelled() async throws {
        let script = Self.offering("SASL-IR AUTH=XOAUTH2")
            .sendLine("+ this is {not} base64!").expect("*")
            .sendTagged("BAD AUTHENTICATE cancelled")
        let (text, lines) = try await refusal(script, .xoauth2)
        #expect(text.contains("AUTHENTICATE cancelled") && text.contains("the server's challenge is not base64"))
        #expect(lines.last == "*")
    }

    @Test func aChallengeThatIsNotJSONIsAnsweredAndDescribed() async throws {
        let script = Self.offering("SASL-IR AUTH=OAUTHBEARER")
            .sendLine("+ \(Self.base64("<html>oops</html>"))").expect("AQ==")
            .sendTagged("NO failed")
        let (text, _) = try await refusal(script, .oauthBearer)
        #expect(text.contains("failed") && text.contains("the server's error challenge is not JSON (17 bytes)"))
    }

    /// A server that keeps challenging after our answer gets "*".
    @Test func aSecondChallengeIsCancelled() async throws {
        let json = Self.base64(#"{"status":"401"}"#)
        let script = Self.offering("SASL-IR AUTH=XOAUTH2")
            .sendLine("+ \(json)").expect("").sendLine("+ \(json)").expect("*")
            .sendTagged("NO cancelled")
        let (text, lines) = try await refusal(script, .xoauth2)
        #expect(text.contains("cancelled") && text.contains("invalid_token (status 401)"))
        #expect(Array(lines.dropFirst()) == ["", "*"])
    }
}
