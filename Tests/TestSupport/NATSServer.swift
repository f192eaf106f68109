import Foundation

/// A nats-server started for one test on 127.0.0.1 with free ports (client and monitoring),
/// optionally with a configuration file. It can be stopped and started again on the same ports.
public final class NATSServer: Sendable {
    /// `$NATS_SERVER`, else the first nats-server found in the usual places (Debian puts it in /usr/sbin).
    public static let executable: String = {
        if let path = ProcessInfo.processInfo.environment["NATS_SERVER"] { return path }
        let candidates = ["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? "nats-server"
    }()

    public let port: Int
    public let monitorPort: Int
    public let directory: TemporaryDirectory
    let extraArguments: [String]
    private let process = ProcessHolder()

    public var url: String { "nats://127.0.0.1:\(port)" }

    public init(config: String? = nil, arguments: [String] = []) async throws {
        let directory = try TemporaryDirectory(prefix: "nats-test")
        var extra = arguments
        if let config {
            let path = directory.file("server.conf")
            try config.write(toFile: path, atomically: true, encoding: .utf8)
            extra += ["-c", path]
        }
        // Another process may take a "free" port before nats-server binds it: then start again on fresh ones.
        var attempt = 1
        while true {
            let port = try freeLoopbackPort(), monitorPort = try freeLoopbackPort()
            do {
                let child = try await Self.launch(port: port, monitorPort: monitorPort, arguments: extra, directory: directory)
                self.directory = directory
                self.port = port
                self.monitorPort = monitorPort
                extraArguments = extra
                await process.set(child)
                return
            } catch where attempt < 3 {
                attempt += 1
            }
        }
    }

    /// Starts the server again on the same ports (after `stop()`).
    public func start() async throws {
        let child = try await Self.launch(port: port, monitorPort: monitorPort, arguments: extraArguments, directory: directory)
        await process.set(child)
    }

    private static func launch(port: Int, monitorPort: Int, arguments: [String],
                               directory: TemporaryDirectory) async throws -> ChildProcess {
        let child = try ChildProcess(executable,
                                     ["-a", "127.0.0.1", "-p", String(port), "-m", String(monitorPort)] + arguments,
                                     logDirectory: directory.path, name: "nats-server-\(UUID().uuidString.prefix(8))")
        do {
            try await waitForLoopbackPort(port, server: child)
        } catch {
            child.signal(SIGKILL)
            throw error
        }
        return child
    }

    /// Stops the server (SIGTERM: clients see the connection close) and waits for it to exit.
    public func stop() async throws {
        guard let child = await process.take() else { return }
        child.signal(SIGTERM)
        try await child.wait(timeout: .seconds(20))
    }

    public func signal(_ signal: Int32) async throws {
        guard let child = await process.current() else { throw TestHarnessError("server not running") }
        child.signal(signal)
    }

    /// GETs a monitoring endpoint (`/subsz?subs=1`, `/connz?subs=detail`) over loopback HTTP.
    public func monitor(_ path: String) async throws -> [String: Any] {
        // python3 is part of scripts/setup.sh's packages; curl is not.
        let result = try await runCommand("/usr/bin/python3", [
            "-c", "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())",
            "http://127.0.0.1:\(monitorPort)\(path)",
        ])
        guard result.status == 0, let data = result.stdout.data(using: .utf8),
              let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TestHarnessError("monitoring \(path) failed: \(result.stderr)")
        }
        return json
    }
}

/// The current server process, swapped on restart; released (and so killed) with the server.
private actor ProcessHolder {
    private var child: ChildProcess?
    func set(_ child: ChildProcess) { self.child = child }
    func current() -> ChildProcess? { child }
    func take() -> ChildProcess? {
        defer { child = nil }
        return child
    }
}
