import Credentials
import Foundation
import IMAPClient
import Testing
import TestSupport

/// XOAUTH2 and OAUTHBEARER against a real Dovecot whose oauth2 passdb asks a local token
/// introspection endpoint (scripts/oauth2-introspect.py) about each token.
@Suite(.serialized) struct DovecotOAuthTests {
    static let goodToken = "ya29.good-Token_for~alice.0123456789"
    static let wrongToken = "ya29.revoked-Token_9876543210"
    let endpoint: OAuth2TokenEndpoint
    let server: DovecotServer

    init() async throws {
        endpoint = try await OAuth2TokenEndpoint.start(tokens: [Self.goodToken: "alice"])
        server = try await DovecotServer.start(corpus: CorpusOptions(messages: 12, seed: 5), oauth2: endpoint)
    }

    private func configuration(_ mechanisms: [AuthMechanism], token: String?, password: String? = nil,
                               kind: ConnectionKind = .imaps) -> IMAPClientConfiguration {
        var configuration = server.clientConfiguration(kind)
        configuration.password = password.map { Secret($0) }
        configuration.oauthToken = token.map { Secret($0) }
        configuration.authMechanisms = mechanisms
        return configuration
    }

    @Test(arguments: [AuthMechanism.xoauth2, .oauthBearer])
    func theRightTokenLogsInAndSelects(mechanism: AuthMechanism) async throws {
        let log = CapturedLog()
        let before = endpoint.requests.active
        for kind in [ConnectionKind.imaps, .starttls(required: true)] {
            try await IMAPSession.withSession(configuration([mechanism], token: Self.goodToken, kind: kind),
                                              logger: log.logger()) { session in
                let inbox = try await session.select("INBOX").value
                #expect(inbox.exists == server.manifest?.mailboxes["INBOX"]?.messages.count)
            }
        }
        #expect(endpoint.requests.active == before + 2, "Dovecot asked the endpoint about each login")
        #expect(log.count > 0)
        #expect(!log.text.contains(Self.goodToken))
    }

    @Test(arguments: [
        (AuthMechanism.xoauth2, "invalid_token (status 401, scope mail)"),   // {"status":"401","schemes":"bearer","scope":"mail"}
        (AuthMechanism.oauthBearer, "invalid_token"),                       // {"status":"invalid_token"}
    ])
    func aWrongTokenIsRefusedWithTheServersDetail(mechanism: AuthMechanism, detail: String) async throws {
        let log = CapturedLog()
        let before = endpoint.requests.inactive
        await #expect {
            try await IMAPSession.withSession(configuration([mechanism], token: Self.wrongToken), logger: log.logger()) { _ in }
        } throws: { error in
            guard case IMAPClientError.authenticationFailed(let text) = error else { return false }
            return text.contains("Authentication failed") && text.contains(detail)
                && !"\(error)".contains(Self.wrongToken) && !String(reflecting: error).contains(Self.wrongToken)
        }
        #expect(endpoint.requests.inactive == before + 1)
        #expect(!log.text.contains(Self.wrongToken))
    }

    /// A mechanism whose secret is missing is skipped for the next one configured.
    @Test func mechanismsWithoutTheirSecretAreSkipped() async throws {
        let tokenOnly = configuration([.plain, .xoauth2], token: Self.goodToken)
        try await IMAPSession.withSession(tokenOnly, logger: testLogger) { session in
            _ = try await session.examine("INBOX").value
        }
        let passwordOnly = configuration([.oauthBearer, .plain], token: nil, password: server.users[0].password)
        try await IMAPSession.withSession(passwordOnly, logger: testLogger) { session in
            _ = try await session.examine("INBOX").value
        }
        await #expect(throws: IMAPClientError.self) {
            try await IMAPSession.withSession(configuration([.xoauth2], token: nil, password: "pw"), logger: testLogger) { _ in }
        }
    }
}
