import Foundation
import TestSupport

/// `openssl s_server` on a free loopback port for one connection (`-naccept 1`).
struct OpenSSLServer {
    let process: ChildProcess
    let port: Int
    let logs: TemporaryDirectory

    /// `workingDirectory` is where `-WWW` serves files from.
    static func start(certificate: String, key: String, _ options: [String],
                      workingDirectory: String? = nil) async throws -> OpenSSLServer {
        let logs = try TemporaryDirectory(prefix: "openssl-kit-server")
        for attempt in 0..<5 {
            let port = try freeLoopbackPort()
            let arguments = ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", certificate, "-key", key,
                             "-naccept", "1"] + options
            let process = try ChildProcess("/bin/sh", ["-c", "cd \"$0\" && exec /usr/bin/openssl \"$@\"",
                                                      workingDirectory ?? logs.path] + arguments,
                                           logDirectory: logs.path, name: "s_server-\(attempt)")
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline && process.isRunning {
                if process.stdout.contains("ACCEPT") { return OpenSSLServer(process: process, port: port, logs: logs) }
                try await Task.sleep(for: .milliseconds(20))
            }
            process.signal(SIGKILL)  // the port was taken meanwhile, or it is stuck: try another
        }
        throw TestHarnessError("openssl s_server did not start")
    }

    var output: String { process.stdout + process.stderr }
}
