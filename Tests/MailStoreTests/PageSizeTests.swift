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

/// `checkpointSoon()`: a caller whose writes are done has the log copied back into the file
/// while the store is still open, so that `close()` finds nothing left to copy.
@Suite struct CheckpointSoonTests {
    @Test func theLogIsCopiedBackWhileTheStoreIsOpen() async throws {
        let fixture = try StoreFixture()
        let store = try fixture.open()
        let inbox = try store.ensureMailbox(userID: "u1", name: "INBOX")
        let writer = store.makeWriter()
        for uid in UInt32(1)...20 { try writer.add(incoming(inbox, uid: uid, size: 50_000)) }
        try writer.flush()
        func size(_ path: String) -> Int {
            ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
        }
        let before = size(fixture.path)
        // Under the 16 MiB threshold: nothing copies the log before the store closes.
        try await Task.sleep(for: .milliseconds(200))
        #expect(size(fixture.path) == before, "copied back without being asked")
        store.checkpointSoon()
        var after = before
        for _ in 0..<100 where after < before + 20 * 50_000 {
            try await Task.sleep(for: .milliseconds(20))
            after = size(fixture.path)
        }
        #expect(after >= before + 20 * 50_000, "the database file did not grow: \(before) → \(after)")
        store.close()
        #expect(!FileManager.default.fileExists(atPath: fixture.path + "-wal"))
    }
}
