import Foundation
import TestSupport

/// The real `imapworker` binary, started by a test with a configuration file of its own and
/// environment overrides (the way a deployment sets it up).
final class Daemon: Sendable {
    let directory: TemporaryDirectory
    let child: ChildProcess
    let database: String

    /// `settings` are configuration keys (`nats.url`, …) passed as IMAPWORKER_… variables.
    init(settings: [String: String], directory: TemporaryDirectory, name: String = "imapworker",
         database: String? = nil) async throws {
        self.directory = directory
        self.database = database ?? directory.file("\(name).db")
        let config = directory.file("\(name).yaml")
        try """
            # written by DaemonHarness
            store:
              path: \(self.database)
            log:
              format: json
              level: debug
            worker:
              id: \(name)
            # No scheduled syncs unless a test asks (IMAPWORKER_SCHEDULER_POLL_INTERVAL_SECONDS):
            # a run nobody ordered would change what other tests count.
            scheduler:
              poll_interval_seconds: 0
            """.write(toFile: config, atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in settings {
            environment["IMAPWORKER_" + key.uppercased().replacingOccurrences(of: ".", with: "_")] = value
        }
        child = try ChildProcess(try builtExecutable("imapworker"), ["start", "--config", config],
                                 environment: environment, logDirectory: directory.path, name: name)
        let deadline = ContinuousClock.now + .seconds(60)
        while !child.stderr.contains("imapworker started") {
            guard child.isRunning else { throw TestHarnessError("imapworker exited: \(child.stderr)") }
            guard ContinuousClock.now < deadline else { throw TestHarnessError("imapworker did not start: \(child.stderr)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// SIGTERM, then the exit status.
    func stop(timeout: Duration = .seconds(120)) async throws -> Int32 {
        child.signal(SIGTERM)
        return try await child.wait(timeout: timeout)
    }

    var log: String { child.stderr }
}

/// Settings of a daemon fetching from `dovecot` over imaps.
func imapSettings(_ dovecot: DovecotServer) -> [String: String] {
    ["imap.connection": "imaps", "imap.tls.ca_file": dovecot.caFile, "worker.retry.initial_backoff_ms": "50"]
}

/// imapctl with `settings` as IMAPWORKER_… variables (as a deployment sets them) and the
/// remote password in IMAPWORKER_PASSWORD.
func runImapctl(_ arguments: [String], settings: [String: String], password: String? = nil)
    async throws -> (status: Int32, stdout: String, stderr: String)
{
    var environment = ProcessInfo.processInfo.environment
    for (key, value) in settings {
        environment["IMAPWORKER_" + key.uppercased().replacingOccurrences(of: ".", with: "_")] = value
    }
    environment["IMAPWORKER_PASSWORD"] = password
    return try await runCommand(try builtExecutable("imapctl"), arguments, environment: environment,
                                timeout: .seconds(300))
}

/// Runs a Python script (with nats-py and redis-py) and returns its stdout lines.
func runPython(_ script: String, _ arguments: [String], directory: TemporaryDirectory,
               timeout: Duration = .seconds(300)) async throws -> [String] {
    let path = directory.file("script-\(UUID().uuidString.prefix(8)).py")
    try script.write(toFile: path, atomically: true, encoding: .utf8)
    let result = try await runCommand(testPython, [path] + arguments, timeout: timeout)
    guard result.status == 0 else { throw TestHarnessError("python exited \(result.status): \(result.stderr)") }
    return result.stdout.split(separator: "\n").map(String.init)
}

/// Decoded JSON objects, one per line.
func jsonLines(_ lines: [String]) throws -> [[String: Any]] {
    try lines.compactMap { line in
        try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
    }
}

/// The most intervals open at one instant (closed intervals; a start at an end counts as after it).
func maxOverlap(_ intervals: [(start: String, end: String)]) -> Int {
    var points: [(time: String, delta: Int)] = []
    for interval in intervals {
        points.append((interval.start, 1))
        points.append((interval.end, -1))
    }
    points.sort { a, b in a.time == b.time ? a.delta < b.delta : a.time < b.time }
    var open = 0
    var peak = 0
    for (_, delta) in points {
        open += delta
        peak = max(peak, open)
    }
    return peak
}
