import Foundation
import Synchronization

/// A redis-server started by a test on 127.0.0.1 with a free port, its own directory and config
/// file; killed when released. `restart` keeps port and directory (and so its AOF).
public final class RedisServer: Sendable {
    public let port: Int
    public let directory: TemporaryDirectory
    private let process: Mutex<ChildProcess?>
    private let generation = Mutex(0)

    public var url: String { "redis://127.0.0.1:\(port)" }
    public var socketPath: String { directory.file("redis.sock") }

    /// `config` lines are appended to the base configuration (e.g. `appendonly yes`).
    public init(config: [String] = []) async throws {
        port = try freeLoopbackPort()
        directory = try TemporaryDirectory(prefix: "imapworker-redis")
        let lines = [
            "port \(port)", "bind 127.0.0.1", "save \"\"", "dir \(directory.path)",
            "unixsocket \(directory.file("redis.sock"))", "unixsocketperm 700", "protected-mode no",
        ] + config
        try (lines.joined(separator: "\n") + "\n").write(toFile: directory.file("redis.conf"), atomically: true, encoding: .utf8)
        process = Mutex(nil)
        try await start()
    }

    private func start() async throws {
        let run = generation.withLock { value -> Int in value += 1; return value }
        let child = try ChildProcess("/usr/bin/redis-server", [directory.file("redis.conf")],
                                     logDirectory: directory.path, name: "redis-\(run)")
        process.withLock { $0 = child }
        try await waitForLoopbackPort(port, server: child)
        // Wait until the data set is loaded (PING answers LOADING until then).
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let ping = try await runCommand("/usr/bin/redis-cli", ["-h", "127.0.0.1", "-p", String(port), "PING"])
            // Any answer but LOADING will do (with requirepass it is NOAUTH).
            if ping.status == 0, !ping.stdout.isEmpty, !ping.stdout.hasPrefix("LOADING") { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestHarnessError("redis-server on port \(port) did not finish loading")
    }

    /// SIGKILL: nothing is flushed beyond what Redis already wrote.
    public func kill() async throws {
        guard let child = process.withLock({ $0 }) else { return }
        child.signal(SIGKILL)
        try await child.wait()
    }

    public func restart() async throws {
        try await kill()
        try await start()
    }
}
