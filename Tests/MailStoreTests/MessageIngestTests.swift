import Foundation
import MailStore
import NIOCore
import OpenSSLKit
import TestSupport
import Testing

@Suite struct MessageIngestTests {
    @Test func everythingSubmittedIsStoredAndARerunAddsNothing() async throws {
        let fixture = try StoreFixture()
        let store = try fixture.open()
        let inbox = try store.ensureMailbox(userID: "u1", name: "INBOX")
        let ingest = store.makeIngest(.init(queueBytes: 64_000, batchBytes: 200_000, batchMessages: 30))
        for uid in UInt32(1)...300 { try await ingest.submit(incoming(inbox, uid: uid, size: Int(uid % 7) * 4000)) }
        let summary = try await ingest.finish()
        #expect(summary.inserted == 300 && summary.skipped == 0 && summary.committedBatches >= 10)
        let messages = try storedMessages(store, inbox)
        #expect(messages.map(\.uid) == Array(1...300))
        for message in messages {
            let expected = sampleRaw(uid: try #require(message.origin?.uid), size: Int(message.uid % 7) * 4000)
            #expect(message.raw == expected && message.sha256 == SHA256.hexDigest(expected))
        }
        #expect(try #require(try store.mailbox(id: inbox.id)).uidNext == 301)

        let again = store.makeIngest()
        for uid in UInt32(290)...310 { try await again.submit(incoming(inbox, uid: uid, size: Int(uid % 7) * 4000)) }
        let rerun = try await again.finish()
        #expect(rerun.inserted == 10 && rerun.skipped == 11)
        await #expect(throws: MailStoreError.self) { try await again.submit(incoming(inbox, uid: 400)) }
    }

    /// The store's own threads carry their names into the kernel (top -H, perf, gdb), not the name
    /// of whichever thread started them.
    @Test func theStoreThreadsAreNamed() async throws {
        let fixture = try StoreFixture()
        let store = try fixture.open()
        let inbox = try store.ensureMailbox(userID: "u1", name: "INBOX")
        let ingest = store.makeIngest()
        try await ingest.submit(incoming(inbox, uid: 1))
        let writer = store.makeAppendWriter(mailboxID: inbox.id)
        func threadNames() throws -> Set<String> {
            Set(try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").compactMap { task in
                try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            })
        }
        // A thread names itself first thing, once it runs: give the scheduler a moment.
        let expected: Set = ["store-ingest", "store-append", "store-checkpt"]
        var names = try threadNames()
        for _ in 0..<100 where !names.isSuperset(of: expected) {
            try await Task.sleep(for: .milliseconds(20))
            names = try threadNames()
        }
        #expect(names.isSuperset(of: expected), "threads: \(names.sorted())")
        writer.abort()
        _ = try await ingest.finish()
    }

    /// Bodies handed over as the network's buffers (the streaming FETCH) are stored as one message.
    @Test func bodiesInSeveralBuffersAreStoredByteIdentical() async throws {
        let fixture = try StoreFixture()
        let store = try fixture.open()
        let inbox = try store.ensureMailbox(userID: "u1", name: "INBOX")
        let ingest = store.makeIngest()
        var expected: [UInt32: [UInt8]] = [:]
        for (uid, cut) in [(UInt32(1), [0]), (2, [1, 17, 4096]), (3, [70_000]), (4, [])] {
            let raw = uid == 4 ? [] : sampleRaw(uid: uid, size: 100_000)
            var body = MessageBytes(chunks: [])
            var start = 0
            for end in cut + [raw.count] where end >= start {
                body.append(ByteBuffer(bytes: raw[start..<end]))  // empty chunks included
                start = end
            }
            #expect(body.count == raw.count)
            var message = incoming(inbox, uid: uid)
            message.body = body
            expected[uid] = raw
            try await ingest.submit(message)
        }
        #expect(try await ingest.finish().inserted == 4)
        for message in try storedMessages(store, inbox) {
            let uid = try #require(message.origin?.uid)
            let raw = try #require(expected[uid])
            #expect(message.raw == raw && message.size == raw.count && message.sha256 == SHA256.hexDigest(raw))
        }
        #expect(try store.integrityCheck())
    }

    /// While the writer cannot write (another process holds the write lock), the producer is held
    /// back once the queue holds its bytes: memory stays bounded, and nothing is lost once it can.
    @Test func aBlockedWriterHoldsTheProducerBackByBytes() async throws {
        let fixture = try StoreFixture()
        let store = try fixture.open(MailStore.Options(busyTimeout: 120))
        let inbox = try store.ensureMailbox(userID: "u1", name: "INBOX")
        let keyboard = Pipe()
        let locker = try ChildProcess("/usr/bin/env", ["python3", "-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1], isolation_level=None)
            db.execute('BEGIN IMMEDIATE')
            print('locked', flush=True)
            sys.stdin.read()
            db.execute('COMMIT')
            """, fixture.path], logDirectory: fixture.directory.path, name: "locker", stdin: keyboard.fileHandleForReading)
        while !locker.stdout.contains("locked") {
            #expect(locker.isRunning, "\(locker.stderr)")
            try await Task.sleep(for: .milliseconds(10))
        }
        let limit = 100_000
        let ingest = store.makeIngest(.init(queueBytes: limit, batchMessages: 1000))
        let producer = Task {
            for uid in UInt32(1)...200 { try await ingest.submit(incoming(inbox, uid: uid, size: 10_000)) }
        }
        while ingest.backlog.waitingProducers == 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(ingest.backlog.bytes <= limit)
        #expect(try store.messageCount(mailboxID: inbox.id) == 0)

        try keyboard.fileHandleForWriting.close()
        _ = try await locker.wait()
        try await producer.value
        #expect(try await ingest.finish().inserted == 200)
        #expect(try store.messageCount(mailboxID: inbox.id) == 200)
    }

    @Test func aFullDiskStopsTheIngestAndKeepsEveryCommittedBatch() async throws {
        let fixture = try StoreFixture()
        do { _ = try fixture.open().ensureMailbox(userID: "u1", name: "INBOX") }
        let bytesBefore = try fileBytes(fixture.path).count
        let store = try fixture.open(MailStore.Options(maxBytes: bytesBefore + 2_000_000))
        let inbox = try #require(try store.mailbox(userID: "u1", name: "INBOX"))
        let ingest = store.makeIngest(.init(queueBytes: 200_000, batchMessages: 10))
        var failure: MailStoreError?
        var uid: UInt32 = 0
        while failure == nil, uid < 1000 {
            uid += 1
            do { try await ingest.submit(incoming(inbox, uid: uid, size: 50_000)) } catch { failure = error }
        }
        if failure == nil {
            do { _ = try await ingest.finish() } catch { failure = error }
        }
        #expect(failure == .diskFull(path: fixture.path))
        await #expect(throws: MailStoreError.diskFull(path: fixture.path)) { try await ingest.finish() }
        let committed = ingest.summary
        // Batches of at most 10 (fewer when the producer pauses): several fitted before the disk filled.
        #expect(committed.committedBatches >= 2 && committed.inserted >= committed.committedBatches)
        #expect(committed.inserted <= committed.committedBatches * 10)
        #expect(try store.integrityCheck())
        #expect(try store.messageCount(mailboxID: inbox.id) == committed.inserted)

        let roomy = try fixture.open()
        let rerun = roomy.makeIngest()
        for again in UInt32(1)...uid { try await rerun.submit(incoming(inbox, uid: again, size: 50_000)) }
        let completed = try await rerun.finish()
        #expect(completed.inserted == Int(uid) - committed.inserted && completed.skipped == committed.inserted)
        #expect(try storedMessages(roomy, inbox).map(\.uid) == Array(1...uid))
    }

    /// Sizes a hostile server announces are summed without trapping.
    @Test func sumsOfSizesSaturate() {
        #expect(Int.max.addingClamped(1) == .max)
        #expect((Int.max - 5).addingClamped(Int.max) == .max)
        #expect(Int.min.addingClamped(-1) == .min)
        #expect(40.addingClamped(2) == 42)
    }
}
