import IMAPClient
import IMAPCore
import SyncEngine
import SyncIMAP
import Testing
import TestSupport

/// The endpoint's fallback mode on a real Dovecot whose mailbox has no modseqs (in-memory
/// indexes: SELECT answers `[NOMODSEQ]` although the server has QRESYNC): `select(_:since:)`
/// answers as QRESYNC would, from the snapshot in the state database.
@Suite struct EndpointFallbackTests {
    @Test func aNoModSeqMailboxIsAnsweredFromTheSnapshotUntilTheEngineCommits() async throws {
        let server = try await DovecotServer.start(extraConfiguration: "mail_location = maildir:~/Maildir:INDEX=MEMORY\n")
        try await seed(server, mailbox: "Volatile", count: 3)
        let directory = try TemporaryDirectory(prefix: "imapworker-fallback")
        let tables = FlagSnapshotTables(database: try SyncStateDatabase(path: directory.file("state.db")), account: "remote")
        try await IMAPSession.withSession(server.otherConfiguration(), logger: testLogger) { session in
            let endpoint = IMAPMailboxEndpoint(session: session, label: "remote", logger: testLogger, fallback: tables)
            defer { endpoint.close() }
            #expect(try await endpoint.capabilities().isSuperset(of: [.qresync, .condstore, .uidplus]))
            // First sync: everything is new; what is fetched becomes the snapshot.
            let fresh = try await endpoint.select("Volatile", since: nil)
            guard case .fresh(let snapshot) = fresh else { Issue.record("\(fresh)"); return }
            for try await message in endpoint.fetchMessages(UIDSet(uid(1)...UID.max)) {
                for try await _ in message.body {}
            }
            let committed = try await endpoint.pendingChanges().highestModSeq
            let point = ResyncPoint(uidValidity: snapshot.uidValidity, highestModSeq: committed, knownUIDs: UIDSet(uid(1)...uid(3)))
            guard case .resynced(_, let none) = try await endpoint.select("Volatile", since: point) else { Issue.record("not resynced"); return }
            #expect(none.isEmpty, "nothing changed: \(none)")

            // Another writer flags 2 and expunges 3.
            try await server.withOther { other in
                _ = try await other.select("Volatile").value
                _ = try await other.uidStore(uidSet(2), .add(["\\Flagged"]), silent: true).value
                _ = try await other.uidStore(uidSet(3), .add([.deleted]), silent: true).value
                _ = try await other.uidExpunge(uidSet(3)).value
            }
            for round in 1...2 {
                // The second select has the same (uncommitted) point: the same answer.
                guard case .resynced(_, let changes) = try await endpoint.select("Volatile", since: point) else {
                    Issue.record("not resynced"); return
                }
                #expect(changes.flagChanges.keys.sorted() == [uid(2)] && changes.flagChanges[uid(2)]?.flags == ["\\Flagged"],
                        "round \(round): \(changes)")
                #expect(changes.vanished == uidSet(3) && changes.highestModSeq > committed, "round \(round): \(changes)")
            }
            let after = try await endpoint.pendingChanges().highestModSeq
            let next = ResyncPoint(uidValidity: snapshot.uidValidity, highestModSeq: after, knownUIDs: UIDSet(uid(1)...uid(3)))
            guard case .resynced(_, let settled) = try await endpoint.select("Volatile", since: next) else { Issue.record("not resynced"); return }
            #expect(settled.isEmpty, "committed: \(settled)")

            // A store whose message another writer changed first is MODIFIED; its flags come next.
            try await server.withOther { other in
                _ = try await other.select("Volatile").value
                _ = try await other.uidStore(uidSet(1), .add(["$Other"]), silent: true).value
            }
            let refused = try await endpoint.storeFlags(FlagStoreRequest(uids: uidSet(1, 2), flags: ["\\Seen"], unchangedSince: after))
            #expect(refused.modified == uidSet(1))
            let pending = try await endpoint.pendingChanges()
            #expect(pending.flagChanges[uid(1)]?.flags == ["$Other"] && pending.flagChanges[uid(2)] == nil, "\(pending)")
            // Our own store is not news for the next run.
            let last = ResyncPoint(uidValidity: snapshot.uidValidity, highestModSeq: pending.highestModSeq, knownUIDs: UIDSet(uid(1)...uid(3)))
            guard case .resynced(_, let own) = try await endpoint.select("Volatile", since: last) else { Issue.record("not resynced"); return }
            #expect(own.isEmpty, "\(own)")
            let flags = try await endpoint.fetchSummaries(uidSet(2), fields: []).first?.flags
            #expect(flags == ["\\Seen"])
        }
    }
}
