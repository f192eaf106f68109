import Foundation
import GRDB
import IMAPCore
@testable import MailStore
import OpenSSLKit
import SyncEngine
import SyncStore
import TestSupport
import Testing

/// A store written by the previous schema (version 2, what fullfetch wrote before the local
/// account): the same message fetched into two mailboxes, each row holding its own copy.
@Suite struct OldStoreMigrationTests {
    private func makeVersion2Store(at path: String) throws {
        let queue = try DatabaseQueue(path: path)
        let migrator = StoreSchema.migrator(secrets: StoreSecrets(source: StoreKeySource(keyFile: path + ".key")))
        try migrator.migrate(queue, upTo: StoreSchema.identitySecretsMigration.identifier)
        try queue.write { db in
            #expect(try Int.fetchOne(db, sql: "PRAGMA user_version") == 2)
            for (id, name, validity) in [(1, "INBOX", 111), (2, "All Mail", 222), (3, "Empty", 333)] {
                try db.execute(sql: """
                    INSERT INTO mailboxes (id, user_id, name, delimiter, uidvalidity, uidnext, highestmodseq, subscribed, created_at)
                    VALUES (?, 'u1', ?, '/', ?, ?, ?, 1, 0)
                    """, arguments: [id, name, validity, id == 3 ? 1 : 3, id == 3 ? 0 : 1])
            }
            let rows: [(mailbox: Int, uid: Int, n: Int, flags: String)] = [
                (1, 1, 1, "\\Seen"), (1, 2, 2, ""), (2, 1, 1, "$Label \\Seen"), (2, 2, 3, "\\Flagged"),
            ]
            for row in rows {
                let raw = sampleMessage(row.n, size: 20_000)
                try db.execute(sql: """
                    INSERT INTO messages (mailbox_id, user_id, uid, flags, modseq, internal_date, internal_date_offset, size,
                        raw, sha256, origin_account, origin_mailbox, origin_uidvalidity, origin_uid, fetched_at)
                    VALUES (?, 'u1', ?, ?, 1, ?, 60, ?, ?, ?, 'bob@imap.example.org:993', ?, 42, ?, 0)
                    """, arguments: [row.mailbox, row.uid, row.flags, 1_700_000_000 + row.n, raw.count, Data(raw),
                                     SHA256.hexDigest(raw), row.mailbox == 1 ? "INBOX" : "[Gmail]/All Mail", row.uid])
            }
        }
    }

    @Test func aVersion2StoreMigratesSharingBodiesAndWorksAsAnEndpoint() async throws {
        let directory = try TemporaryDirectory(prefix: "syncstore-migrate")
        let path = directory.file("old.db")
        try makeVersion2Store(at: path)

        let store = try MailStore(path: path)
        #expect(try store.integrityCheck())
        let statistics = try await store.statistics(userID: "u1")
        #expect(statistics.messages == 4 && statistics.bodies == 3)  // message 1 was stored twice
        let mailboxes = try await store.listMailboxes(userID: "u1")
        #expect(mailboxes.map(\.uidValidity) == [222, 333, 111])  // sorted by name: All Mail, Empty, INBOX
        #expect(mailboxes.allSatisfy { $0.highestModSeq >= 1 })

        // Messages read back as they were, and fullfetch's rerun check still finds their origins.
        let inbox = try #require(mailboxes.first { $0.name == "INBOX" })
        var messages: [StoredMessage] = []
        try store.forEachMessage(mailboxID: inbox.id) { messages.append($0) }
        #expect(messages.map(\.raw) == [sampleMessage(1, size: 20_000), sampleMessage(2, size: 20_000)])
        #expect(messages.map(\.flags) == [["\\Seen"], []])
        #expect(try store.storedOriginUIDs(userID: "u1", account: "bob@imap.example.org:993", mailbox: "INBOX",
                                           uidValidity: 42) == [1, 2])

        // The migrated account syncs: a resync point from before the migration is answered exactly.
        let endpoint = StoreMailboxEndpoint(store: store, userID: "u1")
        let before = ResyncPoint(uidValidity: 111, highestModSeq: 1, knownUIDs: UIDSet(UID.min...UID(2)!))
        guard case .resynced(_, let none) = try await endpoint.select(.inbox, since: before) else {
            Issue.record("expected a resync")
            return
        }
        #expect(none.isEmpty)
        _ = try await endpoint.expunge(uids(1))
        #expect(try await store.statistics(userID: "u1").bodies == 3)  // All Mail still holds message 1
        let again = StoreMailboxEndpoint(store: store, userID: "u1")
        guard case .resynced(_, let changes) = try await again.select(.inbox, since: before) else {
            Issue.record("expected a resync")
            return
        }
        #expect(uidList(changes.vanished) == [1])
        let allMail = try #require(mailboxes.first { $0.name == "All Mail" })
        #expect(try await store.messageRecords(mailboxID: allMail.id).map(\.flags) == [["$Label", "\\Seen"], ["\\Flagged"]])

        // Reopened: nothing left to migrate.
        let reopened = try MailStore(path: path)
        #expect(try await reopened.statistics(userID: "u1").messages == 3)
    }
}
