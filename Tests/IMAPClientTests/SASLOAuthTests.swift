import Credentials
import Foundation
import IMAPClient
import Testing
import TestSupport

/// XOAUTH2 and OAUTHBEARER as pure exchanges: the exact bytes, the error flow, bad challenges.
@Suite struct SASLOAuthTests {
    static let token: Secret = "ya29.a0AfH6SMB-token_value~42"
    static func json(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func xoauth2InitialResponseIsExact() {
        let mechanism = SASLXOAuth2(username: "alice@example.com", token: Self.token)
        #expect(mechanism.name == "XOAUTH2")
        #expect(mechanism.initialResponse()
            == Array("user=alice@example.com\u{1}auth=Bearer ya29.a0AfH6SMB-token_value~42\u{1}\u{1}".utf8))
        #expect(mechanism.failureDetail == nil)
    }

    @Test func oauthBearerInitialResponseIsExact() {
        let mechanism = SASLOAuthBearer(username: "alice@example.com", token: Self.token, host: "imap.gmail.com", port: 993)
        #expect(mechanism.name == "OAUTHBEARER")
        #expect(mechanism.initialResponse() == Array(
            "n,a=alice@example.com,\u{1}host=imap.gmail.com\u{1}port=993\u{1}auth=Bearer ya29.a0AfH6SMB-token_value~42\u{1}\u{1}".utf8))
        // RFC 7628 §4.1's example, byte for byte.
        let rfc = SASLOAuthBearer(username: "user@example.com", token: "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==",
                                  host: "server.example.com", port: 143)
        let rfcBase64 = "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB"
        #expect(rfc.initialResponse().map { Data($0).base64EncodedString() } == rfcBase64)
    }

    @Test func oauthBearerEscapesTheUserAndMayOmitHostAndPort() {
        let mechanism = SASLOAuthBearer(username: "a,b=c", token: "t", host: nil, port: nil)
        #expect(mechanism.initialResponse() == Array("n,a=a=2Cb=3Dc,\u{1}auth=Bearer t\u{1}\u{1}".utf8))
    }

    /// Gmail's and Dovecot's XOAUTH2 error: an HTTP status; the empty answer; then the NO.
    @Test func xoauth2ErrorChallengeIsAnsweredEmptyAndBecomesTheDetail() {
        var mechanism = SASLXOAuth2(username: "alice", token: Self.token)
        let step = mechanism.respond(to: Self.json(#"{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}"#))
        #expect(step == .respond([]))
        #expect(mechanism.failureDetail == "invalid_token (status 401, scope https://mail.google.com/)")
        // A second challenge: the server did not take the answer; stop.
        #expect(mechanism.respond(to: []) == .cancel)
    }

    /// RFC 7628 §3.2.3: the client answers the error with a single ^A.
    @Test func oauthBearerErrorChallengeIsAnsweredWithControlA() {
        var mechanism = SASLOAuthBearer(username: "alice", token: Self.token, host: "h", port: 1)
        let challenge = #"{"status":"invalid_token","scope":"example_scope","openid-configuration":"https://example.com/.well-known/openid-configuration"}"#
        #expect(mechanism.respond(to: Self.json(challenge)) == .respond([0x01]))
        #expect(mechanism.failureDetail
            == "invalid_token (scope example_scope, openid-configuration https://example.com/.well-known/openid-configuration)")
        #expect(mechanism.respond(to: Self.json(challenge)) == .cancel)
    }

    @Test(arguments: [
        (#"{"status":"invalid_token"}"#, "invalid_token"),                       // Dovecot's OAUTHBEARER
        (#"{"status":"401","schemes":"bearer","scope":"mail"}"#, "invalid_token (status 401, scope mail)"),  // Dovecot's XOAUTH2
        (#"{"status":"400","scope":"x"}"#, "invalid_request (status 400, scope x)"),
        (#"{"status":403}"#, "insufficient_scope (status 403)"),                  // a number, not a string
        (#"{"status":"500"}"#, "error (status 500)"),
        (#"{"scope":"mail"}"#, "the server's error challenge has no status (scope mail)"),
        (#"{}"#, "the server's error challenge has no status"),
        (#"{"status":"bad\u0000\u001b[31mred"}"#, "bad[31mred"),                   // control characters dropped
        (#"["status"]"#, "the server's error challenge is not a JSON object (10 bytes)"),
        ("not json at all", "the server's error challenge is not JSON (15 bytes)"),
        ("", "the server's error challenge is not JSON (0 bytes)"),
        (#"{"status":"invalid_token""#, "the server's error challenge is not JSON (25 bytes)"),
    ])
    func challengeTable(challenge: String, detail: String) {
        var xoauth2 = SASLXOAuth2(username: "alice", token: Self.token)
        #expect(xoauth2.respond(to: Self.json(challenge)) == .respond([]))
        #expect(xoauth2.failureDetail == detail)
        var bearer = SASLOAuthBearer(username: "alice", token: Self.token, host: nil, port: nil)
        #expect(bearer.respond(to: Self.json(challenge)) == .respond([0x01]))
        #expect(bearer.failureDetail == detail)
    }

    @Test func binaryGarbageAndHugeValuesAreSafe() {
        var mechanism = SASLXOAuth2(username: "alice", token: Self.token)
        #expect(mechanism.respond(to: [0xFF, 0xFE, 0x00, 0x80]) == .respond([]))
        #expect(mechanism.failureDetail == "the server's error challenge is not JSON (4 bytes)")
        var long = SASLXOAuth2(username: "alice", token: Self.token)
        _ = long.respond(to: Self.json(#"{"status":""# + String(repeating: "x", count: 10_000) + #""}"#))
        #expect(long.failureDetail?.count == 201)
    }

    /// Random challenges (bytes, and JSON objects with random keys and values, some holding the
    /// token): always a bounded, printable detail without the token, never a crash.
    @Test func randomChallengesGiveABoundedSafeDetail() throws {
        var random = SeededGenerator(state: 7628)
        let keys = ["status", "scope", "schemes", "openid-configuration", "error"]
        let pieces = ["401", "invalid_token", Self.token.value, "\u{1}", "é", "\n", "\"", "{", "]", "ya29"]
        for round in 0..<2000 {
            var challenge: [UInt8]
            if round % 2 == 0 {
                challenge = (0..<Int.random(in: 0..<80, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            } else {
                var object: [String: Any] = [:]
                for _ in 0..<Int.random(in: 0...4, using: &random) {
                    let value = (0..<Int.random(in: 0...3, using: &random)).map { _ in pieces.randomElement(using: &random) ?? "" }.joined()
                    object[keys.randomElement(using: &random) ?? "status"] = round % 3 == 0 ? value as Any : 400 as Any
                }
                challenge = Array(try JSONSerialization.data(withJSONObject: object))
            }
            var mechanism = SASLXOAuth2(username: "alice", token: Self.token)
            #expect(mechanism.respond(to: challenge) == .respond([]))
            let detail = try #require(mechanism.failureDetail)
            #expect(!detail.contains(Self.token.value))
            #expect(detail.count < 1000)   // three values of at most 201 characters, and labels
            #expect(!detail.unicodeScalars.contains { $0.properties.generalCategory == .control })
        }
    }

    /// A server that echoes the token does not get it into our errors.
    @Test func theTokenNeverReachesTheDetail() {
        var mechanism = SASLOAuthBearer(username: "alice", token: Self.token, host: nil, port: nil)
        _ = mechanism.respond(to: Self.json(#"{"status":"invalid_token","scope":"ya29.a0AfH6SMB-token_value~42"}"#))
        #expect(mechanism.failureDetail == "invalid_token (scope <redacted>)")
        // Printing or dumping a mechanism shows neither the token nor its bytes.
        let tokenBytes = Self.token.value.utf8.map { "\($0)" }.joined(separator: ", ")
        for shown in ["\(mechanism)", String(reflecting: mechanism), { var s = ""; dump(mechanism, to: &s); return s }(),
                      "\(SASLXOAuth2(username: "alice", token: Self.token))"] {
            #expect(!shown.contains(Self.token.value) && !shown.contains(tokenBytes), "\(shown)")
        }
    }

    // MARK: - The factory

    private func configuration(_ mechanisms: [AuthMechanism], kind: ConnectionKind = .imaps,
                               password: Secret? = nil, token: Secret? = nil) -> IMAPClientConfiguration {
        IMAPClientConfiguration(server: ServerAddress(host: "imap.example.com", port: 993), kind: kind,
                                username: "alice", password: password, oauthToken: token, authMechanisms: mechanisms)
    }

    @Test func factoryPicksTheSecretEachMechanismNeeds() throws {
        let both = configuration([.plain, .xoauth2], password: "pw", token: Self.token)
        #expect(try AuthMechanism.plain.makeSASL(for: both).initialResponse() == Array("\0alice\0pw".utf8))
        #expect(try AuthMechanism.xoauth2.makeSASL(for: both).name == "XOAUTH2")
        #expect(try AuthMechanism.oauthBearer.makeSASL(for: both).initialResponse()
            == Array("n,a=alice,\u{1}host=imap.example.com\u{1}port=993\u{1}auth=Bearer \(Self.token.value)\u{1}\u{1}".utf8))
        #expect(both.secret(.password) == "pw" && both.secret(.oauthToken) == Self.token)
        #expect(AuthMechanism.xoauth2.credential == .oauthToken && AuthMechanism.login.credential == .password)
        #expect(try AuthMechanism(parsing: "xoauth2") == .xoauth2 && AuthMechanism(parsing: "OAuthBearer") == .oauthBearer)
    }

    @Test func aMissingSecretIsNamed() {
        #expect(throws: IMAPClientError.configuration("no OAuth access token for alice (give --oauth-token, IMAPWORKER_OAUTH_TOKEN, a token command, or answer the prompt)")) {
            _ = try AuthMechanism.xoauth2.makeSASL(for: configuration([.xoauth2], password: "pw"))
        }
        #expect(throws: IMAPClientError.self) {
            _ = try AuthMechanism.login.makeSASL(for: configuration([.login], token: Self.token))
        }
    }

    @Test func aTunnelNamesNoHostOrPort() throws {
        let tunnel = configuration([.oauthBearer], kind: .tunnel(command: ["/bin/true"], nullStderr: true), token: "t")
        #expect(try AuthMechanism.oauthBearer.makeSASL(for: tunnel).initialResponse() == Array("n,a=alice,\u{1}auth=Bearer t\u{1}\u{1}".utf8))
    }

    @Test(arguments: ["", "two words", "line\nbreak", "ctrl\u{1}a", "tökén"])
    func tokensThatCannotBeBearerTokensAreRefused(token: String) {
        #expect {
            _ = try AuthMechanism.xoauth2.makeSASL(for: configuration([.xoauth2], token: Secret(token)))
        } throws: { error in
            guard case IMAPClientError.configuration(let text) = error else { return false }
            return token.isEmpty || !text.contains(token)
        }
    }
}
