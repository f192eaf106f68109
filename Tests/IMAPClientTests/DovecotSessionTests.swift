import Foundation
import IMAPClient
import IMAPCore
import NIOCore
import Testing
import TestSupport

/// The client against a real Dovecot: every connection kind, every command family.
@Suite(.serialized) struct DovecotSessionTests {
    let server: DovecotServer

    init() async throws {
        server = try await DovecotServer.start(users: [("alice", "alicepw"), ("bob", "bobpw")],
                                               corpus: CorpusOptions(messages: 80, seed: 11, bigMessages: 2))
    }

    @Test(arguments: ["imaps", "starttls", "plain", "tunnel", "imaps+compress"])
    func fetchesEveryMessageByteIdentical(kind: String) async throws {
        var configuration: IMAPClientConfiguration
        switch kind {
        case "imaps": configuration = server.clientConfiguration(.imaps)
        case "starttls": configuration = server.clientConfiguration(.starttls(required: true))
        case "plain": configuration = server.clientConfiguration(.plain)
        case "tunnel": configuration = server.clientConfiguration(.tunnel(command: server.tunnelCommand(), nullStderr: true))
        default:
            configuration = server.clientConfiguration(.imaps)
            configuration.compress = true
        }
        try await IMAPSession.withSession(configuration, logger: testLogger) { session in
            if kind == "imaps+compress" { #expect(session.compressionActive) }
            #expect((session.tlsDescription != nil) == (kind != "tunnel" && kind != "plain"))
            for capability: Capability in ["CONDSTORE", "QRESYNC", "LIST-EXTENDED", "LIST-STATUS", "UIDPLUS"] {
                #expect(session.hasCapability(capability), "missing \(capability) over \(kind)")
            }
            #expect(session.enabled.contains("QRESYNC"))
            let listed = try await session.list(returning: ListReturn(status: [.messages, .uidValidity])).value
            let names = Set(listed.map(\.name))
            #expect(names.contains("Lists/Développement"))
            #expect(names.contains("日本語"))
            for mailbox in ["INBOX", "Lists/Développement"] {
                let got = try await fetchDigests(session, mailbox: MailboxName(mailbox))
                let want = expectedDigests(server.manifest, mailbox: mailbox)
                #expect(!want.isEmpty)
                #expect(got == want, "\(mailbox) over \(kind)")
                let status = listed.first { $0.name == MailboxName(mailbox) }?.status
                #expect(status?.messages == UInt32(want.count))
            }
        }
    }

    @Test(arguments: ["imaps", "tunnel"])
    func aPipelinedSetUpSendsTheFirstCommandBehindEnable(kind: String) async throws {
        var configuration = kind == "tunnel"
            ? server.clientConfiguration(.tunnel(command: server.tunnelCommand(), nullStderr: true))
            : server.clientConfiguration(.imaps)
        configuration.pipelinesSetUp = true
        for _ in 1...2 {  // LOGOUT is not awaited: the next session opens as usual
            try await IMAPSession.withSession(configuration, logger: testLogger) { session in
                let first = session.list(pattern: "INBOX")  // may go out before ENABLE is answered
                try await session.enableSettled()
                #expect(session.enabled.contains("QRESYNC"))
                #expect(try await first.value.map(\.name) == ["INBOX"])
                #expect(try await session.select("INBOX").value.highestModSeq != nil)
            }
        }
    }

    @Test func aTunnelCommandThatCannotStartFailsAtOnce() async throws {
        let configuration = server.clientConfiguration(.tunnel(command: ["/nonexistent/imap-tunnel", "x"], nullStderr: true))
        await #expect {
            try await IMAPSession.withSession(configuration, logger: testLogger) { _ in }
        } throws: { error in
            guard case IMAPClientError.tunnel(let text) = error else { return false }
            return text.contains("cannot start /nonexistent/imap-tunnel") && text.contains("No such file")
        }
    }

    @Test func loginMechanismsAndWrongPassword() async throws {
        var configuration = server.clientConfiguration(.imaps)
        configuration.authMechanisms = [.login]
        try await IMAPSession.withSession(configuration, logger: testLogger) { session in
            let status = try await session.status("INBOX", [.messages]).value
            #expect(status.messages ?? 0 > 0)
        }
        let wrong = server.clientConfiguration(.imaps, password: "not-the-password")
        await #expect {
            try await IMAPSession.withSession(wrong, logger: testLogger) { _ in }
        } throws: { error in
            guard case IMAPClientError.authenticationFailed(let text) = error else { return false }
            return !text.contains("not-the-password")
        }
    }

    @Test func mailboxManagementAppendStoreExpungeAndQResync() async throws {
        let configuration = server.clientConfiguration(.imaps, user: 1)
        try await IMAPSession.withSession(configuration, logger: testLogger) { session in
            try await session.create("Projets/Été 2024").value
            try await session.subscribe("Projets/Été 2024").value
            try await session.rename("Projets/Été 2024", to: "Projets/Automne & co").value
            let names = try await session.list(pattern: "Projets/*").value.map(\.name)
            #expect(names == ["Projets/Automne & co"])

            let messages = (1...3).map { i in
                AppendMessage(flags: i == 1 ? [.seen] : [], internalDate: InternalDate(epoch: 1_700_000_000 + Int64(i)),
                              data: ByteBuffer(string: "Subject: test \(i)\r\nMessage-ID: <\(i)@t>\r\n\r\nbody {5}\r\n)\r\n"))
            }
            let appended = try await session.append(messages, to: "Projets/Automne & co").value
            #expect(appended?.uids.count == 3)

            let before = try await session.select("Projets/Automne & co").value
            #expect(before.exists == 3)
            let modSeq = try #require(before.highestModSeq)
            let uidValidity = try #require(before.uidValidity)
            let uids = Array(try #require(appended?.uids))
            let first = uids[0], second = uids[1], third = uids[2]

            let stored = try await session.uidStore(UIDSet(second), .add([.flagged]), unchangedSince: modSeq).value
            #expect(stored.modified == nil)
            #expect(stored.updated.first?.flags.contains(.flagged) == true)
            // UNCHANGEDSINCE older than the change: the server refuses and reports MODIFIED.
            let conflict = try await session.uidStore(UIDSet(second), .remove([.flagged]), unchangedSince: modSeq).value
            #expect(conflict.modified == UIDSet(second))

            _ = try await session.uidStore(UIDSet(third), .add([.deleted])).value
            let gone = try await session.uidExpunge(UIDSet(third)).value
            #expect(gone == UIDSet(third))
            try await session.unselect().value

            // QRESYNC: what changed since the first SELECT.
            let again = try await session.select("Projets/Automne & co",
                                                 qresync: QResyncParameters(
                                                     uidValidity: uidValidity, modSeq: modSeq,
                                                     knownUIDs: UIDSet(first...third),
                                                     sequenceMatch: SequenceMatch(sequenceNumbers: SequenceSet(1...3),
                                                                                  uids: UIDSet(first...third)))).value
            #expect(again.vanished.flatMap { Array($0) } == [third])
            #expect(again.changed.map(\.uid) == [second])
            let flags = try await session.uidFetchFlags(UIDSet(first...second), changedSince: nil).value
            #expect(flags.updates.count == 2)
            // CHANGEDSINCE … VANISHED: the expunged one comes back as VANISHED (EARLIER), a range.
            let changes = try await session.uidFetchFlags(UIDSet(first...third), changedSince: modSeq, vanished: true).value
            #expect(changes.vanished.flatMap { Array($0) } == [third])
            #expect(changes.updates.map(\.uid) == [second])
            try await session.unselect().value
            try await session.delete("Projets/Automne & co").value
        }
    }

    @Test func idleWakesOnNewMail() async throws {
        let configuration = server.clientConfiguration(.imaps, user: 1)
        try await IMAPSession.withSession(configuration, logger: testLogger) { session in
            try? await session.create("IdleBox").value
            _ = try await session.select("IdleBox").value
            let appender = Task {
                try await Task.sleep(for: .milliseconds(500))
                try await IMAPSession.withSession(configuration, logger: testLogger) { other in
                    _ = try await other.append([AppendMessage(data: ByteBuffer(string: "Subject: wake\r\n\r\nup\r\n"))], to: "IdleBox").value
                }
            }
            let changed = try await session.idle(timeout: .seconds(20))
            try await appender.value
            #expect(changed)
            // And a quiet IDLE ends at its deadline.
            let quiet = try await session.idle(timeout: .seconds(1))
            #expect(!quiet)
            try await session.noop().value
        }
    }
}
