import Foundation
import IMAPClient
import Testing
import TestSupport

/// A server that misbehaves gives a typed error: never a crash, never a hang.
@Suite struct BrokenServerTests {
    // Generous limits: the whole suite runs in parallel on two cores; only the silence test is short.
    private func configuration(_ server: ScriptedIMAPServer, kind: ConnectionKind = .plain,
                               timeout: Duration = .seconds(60)) -> IMAPClientConfiguration {
        IMAPClientConfiguration(server: ServerAddress(host: server.host, port: server.port), kind: kind,
                                username: "alice", password: "secret-pw", connectTimeout: .seconds(60),
                                commandTimeout: timeout)
    }

    private func failure(_ script: IMAPScript, kind: ConnectionKind = .plain,
                         timeout: Duration = .seconds(60)) async throws -> (IMAPClientError?, ScriptedIMAPServer) {
        let server = try await ScriptedIMAPServer.start(script: script)
        do {
            try await IMAPSession.withSession(configuration(server, kind: kind, timeout: timeout), logger: testLogger) { session in
                _ = try await session.examine("INBOX").value
            }
            return (nil, server)
        } catch let error as IMAPClientError {
            #expect(!"\(error)".contains("secret-pw"))
            return (error, server)
        }
    }

    private static let loggedIn = IMAPScript.greeting("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready")
        .expectCommand("AUTHENTICATE").send("+ \r\n").expect("").sendTagged("OK [CAPABILITY IMAP4rev1] in")

    @Test func garbageIsAProtocolError() async throws {
        let (error, _) = try await failure(Self.loggedIn.expectCommand("EXAMINE").sendLine("\u{1}\u{2}garbage (((").stall())
        guard case .protocolError? = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func connectionCutInsideALiteral() async throws {
        let (error, _) = try await failure(Self.loggedIn.expectCommand("EXAMINE")
            .sendLine("* 1 FETCH (UID 1 BODY[] {100}").send("only part of the liter").close())
        guard case .connectionClosed? = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func byeIsReportedWithItsText() async throws {
        let (error, _) = try await failure(Self.loggedIn.expectCommand("EXAMINE")
            .sendLine("* BYE [UNAVAILABLE] maintenance in progress").close())
        #expect(error == .bye("maintenance in progress"))
    }

    @Test func silentServerTimesOut() async throws {
        let (error, _) = try await failure(Self.loggedIn.expectCommand("EXAMINE").stall(), timeout: .seconds(2))
        guard case .timeout? = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func greetingByeAndGarbageGreeting() async throws {
        let (bye, _) = try await failure(IMAPScript.greeting("* BYE too many connections").close())
        #expect(bye == .bye("too many connections"))
        let (garbage, _) = try await failure(IMAPScript().sendLine("HTTP/1.1 400 Bad Request").close())
        guard case .protocolError? = garbage else { Issue.record("got \(String(describing: garbage))"); return }
    }

    @Test func requiredSTARTTLSMissingSendsNoCredential() async throws {
        let (error, server) = try await failure(IMAPScript.greeting("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready").stall(),
                                                kind: .starttls(required: true))
        #expect(error == .startTLSUnavailable)
        #expect(!server.receivedLines.contains { $0.uppercased().contains("LOGIN") || $0.uppercased().contains("AUTHENTICATE") })
    }

    @Test func loginDisabledWithoutMechanismIsRefusedLocally() async throws {
        let (error, server) = try await failure(IMAPScript.greeting("* OK [CAPABILITY IMAP4rev1 LOGINDISABLED AUTH=GSSAPI] ready").stall())
        #expect(error == .noUsableAuthMechanism(offered: ["GSSAPI", "(LOGINDISABLED)"]))
        #expect(server.receivedLines.isEmpty)
    }

    @Test func dataInjectedAfterSTARTTLSIsRefused() async throws {
        let (error, _) = try await failure(IMAPScript.greeting("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready")
            .expectCommand("STARTTLS").sendTagged("OK begin TLS\r\n* OK injected").stall(), kind: .starttls(required: true))
        guard case .protocolError? = error else { Issue.record("got \(String(describing: error))"); return }
    }
}
