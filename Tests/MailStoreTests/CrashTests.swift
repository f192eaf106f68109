import Foundation
import MailStore
import TestSupport
import Testing

/// SIGKILL in the middle of writing. The test re-runs its own test binary as the child (only this
/// test, with an environment variable naming the store): the child writes batches of messages with
/// a `MessageWriter` and reports each commit; the parent kills it mid-write and checks the file.
@Suite struct CrashTests {
    static let childVariable = "IMAPWORKER_STORE_CRASH_CHILD"
    static let batchCount = 50
    static let messageSize = 40_000

    @Test func aKilledWriterLeavesEveryCommittedBatchAndNoPartialOne() async throws {
        if let path = ProcessInfo.processInfo.environment[Self.childVariable] {
            try Self.writeUntilKilled(path: path)
            return
        }
        let fixture = try StoreFixture()
        var environment = ProcessInfo.processInfo.environment
        environment[Self.childVariable] = fixture.path
        let child = try ChildProcess(Self.testExecutable, [
            "--testing-library", "swift-testing",
            "--filter", "MailStoreTests.CrashTests/aKilledWriterLeavesEveryCommittedBatchAndNoPartialOne",
        ], environment: environment, logDirectory: fixture.directory.path, name: "writer")

        // Let a few batches commit; the child keeps writing the next ones when it is killed.
        let deadline = ContinuousClock.now + .seconds(120)
        while Self.reportedCommits(child.stdout).count < 4 {
            guard child.isRunning, ContinuousClock.now < deadline else {
                Issue.record("writer child stopped early: \(child.stdout)\n\(child.stderr)")
                return
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        child.signal(SIGKILL)
        let status = try await child.wait()
        #expect(status == SIGKILL)
        let reported = try #require(Self.reportedCommits(child.stdout).last)

        let store = try fixture.open()
        #expect(try store.integrityCheck())
        let inbox = try #require(try store.mailbox(userID: "u1", name: "INBOX"))
        let count = try store.messageCount(mailboxID: inbox.id)
        #expect(count >= reported)
        #expect(count % Self.batchCount == 0, "a partial batch survived: \(count) messages")
        #expect(inbox.uidNext == UInt32(count + 1))
        var expectedUID: UInt32 = 1
        try store.forEachMessage(mailboxID: inbox.id) { message in
            #expect(message.uid == expectedUID && message.origin?.uid == expectedUID)
            #expect(message.raw == sampleRaw(uid: expectedUID, size: Self.messageSize))
            expectedUID += 1
        }
        #expect(Int(expectedUID) == count + 1)

        // A rerun after the crash completes the mailbox without duplicates.
        let writer = store.makeWriter()
        for uid in UInt32(1)...UInt32(count + 10) {
            try writer.add(incoming(inbox, uid: uid, size: Self.messageSize))
        }
        try writer.flush()
        #expect(writer.skipped == count && writer.inserted == 10)
    }

    /// The child's side: store batches forever (bounded), printing the committed count after each.
    static func writeUntilKilled(path: String) throws {
        let store = try MailStore(path: path)
        let inbox = try store.ensureMailbox(userID: "u1", name: "INBOX")
        let writer = store.makeWriter(maxBatchBytes: 1 << 30, maxBatchCount: batchCount)
        for uid in UInt32(1)...5000 where try writer.add(incoming(inbox, uid: uid, size: messageSize)) {
            FileHandle.standardOutput.write(Data("committed \(writer.inserted)\n".utf8))
        }
    }

    static func reportedCommits(_ output: String) -> [Int] {
        output.split(separator: "\n").compactMap { line in
            line.hasPrefix("committed ") ? Int(line.dropFirst("committed ".count)) : nil
        }
    }

    /// This test binary (the parent runs it again as the child).
    static var testExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
