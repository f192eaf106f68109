import Foundation
import MailStore
import TestSupport
import Testing

@Suite struct OpenAndMigrationTests {
    @Test func freshFileIsMigratedInWALModeAndReopens() async throws {
        let fixture = try StoreFixture()
        do {
            let store = try fixture.open()
            #expect(try store.integrityCheck())
            _ = try store.ensureMailbox(userID: "u1", name: "INBOX")
        }
        #expect(FileManager.default.fileExists(atPath: fixture.path))
        let attributes = try FileManager.default.attributesOfItem(atPath: fixture.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let pragmas = try await pythonSQLite(fixture.path, """
            print(db.execute('PRAGMA journal_mode').fetchone()[0], db.execute('PRAGMA user_version').fetchone()[0])
            print(','.join(r[0] for r in db.execute("SELECT identifier FROM grdb_migrations ORDER BY 1")))
            """)
        #expect(pragmas == "wal \(MailStore.schemaVersion)\nv1-identities-mailboxes-messages,v2-identity-settings-sealed-secrets-lock,v3-local-account-bodies-tombstones,v4-identity-schedule,v5-deferred-body-freeing")

        let reopened = try fixture.open()
        #expect(try reopened.mailboxes(userID: "u1").map(\.name) == ["INBOX"])
        #expect(try reopened.integrityCheck())
    }

    @Test func newerSchemaIsRefused() async throws {
        let fixture = try StoreFixture()
        do { _ = try fixture.open() }
        _ = try await pythonSQLite(fixture.path, "db.execute('PRAGMA user_version = 99'); db.commit()")
        #expect(throws: MailStoreError.schemaTooNew(found: 99, supported: MailStore.schemaVersion)) {
            try fixture.open()
        }
        // A migration this build does not know, even without a higher user_version.
        _ = try await pythonSQLite(fixture.path, """
            db.execute('PRAGMA user_version = 1')
            db.execute("INSERT INTO grdb_migrations VALUES ('v2-from-the-future')")
            db.commit()
            """)
        #expect(throws: MailStoreError.schemaTooNew(found: MailStore.schemaVersion + 1, supported: MailStore.schemaVersion)) {
            try fixture.open()
        }
    }

    @Test func pathUnderARegularFileCannotBeOpened() throws {
        let fixture = try StoreFixture()
        let blocker = fixture.directory.file("blocker")
        #expect(FileManager.default.createFile(atPath: blocker, contents: Data("x".utf8)))
        let error = #expect(throws: MailStoreError.self) { try MailStore(path: blocker + "/sub/imapworker.db") }
        guard case .cannotOpen(let path, _)? = error else {
            Issue.record("expected cannotOpen, got \(String(describing: error))")
            return
        }
        #expect(path == blocker + "/sub/imapworker.db")
    }

    @Test func aFileThatIsNotADatabaseIsCorrupt() throws {
        let fixture = try StoreFixture()
        let path = fixture.directory.file("garbage.db")
        let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        #expect(FileManager.default.createFile(atPath: path, contents: garbage))
        let error = #expect(throws: MailStoreError.self) { try MailStore(path: path) }
        guard case .corrupt? = error else {
            Issue.record("expected corrupt, got \(String(describing: error))")
            return
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == garbage)
    }

    @Test func aDirectoryIsNotAStore() throws {
        let fixture = try StoreFixture()
        #expect(throws: MailStoreError.cannotOpen(path: fixture.directory.path, reason: "is a directory")) {
            try MailStore(path: fixture.directory.path)
        }
    }
}
