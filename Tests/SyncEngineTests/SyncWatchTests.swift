import Foundation
import IMAPCore
import Testing
import TestSupport
@testable import SyncEngine

/// `imapctl sync --watch` keeps synchronising: by polling, or with `--notify` by waiting on the
/// servers (IDLE on Dovecot), which must pick a new message up long before the interval ends.
@Suite("imapctl sync --watch", .serialized)
struct SyncWatchTests {
    /// Polling, and NOTIFY (Dovecot has it on both sides) for a mailbox that is not INBOX.
    @Test("a new remote message is copied while watching",
          arguments: [(["--watch=1"], "INBOX"), (["--watch=120", "--notify"], "Archive")])
    func picksUpANewMessage(_ arguments: [String], mailbox: String) async throws {
        let scenario = try await SyncCommandScenarioTests.synced()
        let name = try #require(StoredMailboxName(bytes: Array(mailbox.utf8)))
        let before = try scenario.localMaildir.mailbox(name).messages.count
        let logs = try TemporaryDirectory(prefix: "imapworker-watch")
        let child = try ChildProcess(try builtExecutable("imapctl"),
                                     ["sync", "--config=\(try scenario.writeConfig())", "--json"] + arguments,
                                     environment: scenario.environment, logDirectory: logs.path, name: "watch")
        defer { child.signal(SIGKILL) }
        // The first run's report, then a moment for the wait (IDLE) to begin.
        let deadline = ContinuousClock.now + .seconds(60)
        while !child.stdout.contains("\n"), child.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        try #require(child.isRunning, "imapctl sync --watch stopped: \(child.stderr)")
        try await Task.sleep(for: .milliseconds(500))
        try await scenario.append(.remote, mailbox: mailbox, subject: "watched")
        let arrival = ContinuousClock.now + .seconds(30)
        while try scenario.localMaildir.mailbox(name).messages.count == before, ContinuousClock.now < arrival {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try scenario.localMaildir.mailbox(name).messages.count == before + 1, "\(child.stderr)")
        #expect(child.isRunning, "still watching")
        child.signal(SIGTERM)
        _ = try await child.wait(timeout: .seconds(30))
        try scenario.checkInSync()
    }
}
