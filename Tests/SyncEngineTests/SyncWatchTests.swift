import Foundation
import IMAPCore
import Testing
import TestSupport
@testable import SyncEngine

/// `imapctl sync --watch` keeps synchronising: by polling, or with `--notify` by waiting on the
/// servers (IDLE on Dovecot), which must pick a new message up long before the interval ends.
@Suite("imapctl sync --watch", .serialized)
struct SyncWatchTests {
    @Test("a new remote message is copied while watching", arguments: [["--watch=1"], ["--watch=120", "--notify"]])
    func picksUpANewMessage(_ arguments: [String]) async throws {
        let scenario = try await SyncCommandScenarioTests.synced()
        let before = try scenario.localMaildir.mailbox(.inbox).messages.count
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
        try await scenario.append(.remote, subject: "watched")
        let arrival = ContinuousClock.now + .seconds(30)
        while try scenario.localMaildir.mailbox(.inbox).messages.count == before, ContinuousClock.now < arrival {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try scenario.localMaildir.mailbox(.inbox).messages.count == before + 1, "\(child.stderr)")
        #expect(child.isRunning, "still watching")
        child.signal(SIGTERM)
        _ = try await child.wait(timeout: .seconds(30))
        try scenario.checkInSync()
    }
}
