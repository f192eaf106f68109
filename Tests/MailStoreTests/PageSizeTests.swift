import Foundation
import MailStore
import TestSupport
import Testing

/// New stores get 32 KiB pages (docs/store.md, "Pages"); a store made with 4 KiB pages keeps them.
@Suite struct PageSizeTests {
    @Test func aNewStoreHas32KiBPages() async throws {
        let fixture = try StoreFixture()
        let pageSize = try await storeTwentyMessages(fixture)
        #expect(pageSize == "32768")
    }

    @Test func aStoreWith4KiBPagesKeepsThemAndWorks() async throws {
        let fixture = try StoreFixture()
        try FileManager.default.createDirectory(atPath: (fixture.path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        // A file from an earlier build: SQLite's default page size, fixed by its first table.
        _ = try await pythonSQLite(fixture.path, """
            db.execute('PRAGMA page_size = 4096'); db.execute('CREATE TABLE earlier(x)'); db.commit()
            """)
        let pageSize = try await storeTwentyMessages(fixture)
        #expect(pageSize == "4096")
        let store = try fixture.open()
        #expect(try store.integrityCheck())
        let inbox = try #require(try store.mailbox(userID: "u1", name: "INBOX"))
        let stored = try storedMessages(store, inbox)
        #expect(stored.map(\.uid) == Array(1...20))
    }
}

/// Stores 20 messages of 50 kB in INBOX, closes the store, and returns its page size as SQLite reads it.
private func storeTwentyMessages(_ fixture: StoreFixture) async throws -> String {
    do {
        let store = try fixture.open()
        let inbox = try store.ensureMailbox(userID: "u1", name: "INBOX")
        let writer = store.makeWriter()
        for uid in UInt32(1)...20 { try writer.add(incoming(inbox, uid: uid, size: 50_000)) }
        try writer.flush()
    }
    return try await pythonSQLite(fixture.path, "print(db.execute('PRAGMA page_size').fetchone()[0])")
}
