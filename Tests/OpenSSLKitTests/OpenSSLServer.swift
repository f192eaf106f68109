import Foundation
import TestSupport

/// `openssl s_server` on a free loopback port for `accepts` connections in turn (`-naccept`).
struct OpenSSLServer {
    let process: ChildProcess
    let port: Int
    let logs: TemporaryDirectory

    /// `workingDirectory` is where `-WWW` serves files from.
    static func start(certificate: String, key: String, _ options: [String],
                      workingDirectory: String? = nil, accepts: Int = 1) async throws -> OpenSSLServer {
        let logs = try TemporaryDirectory(prefix: "openssl-kit-server")
        for attempt in 0..<5 {
            let port = try freeLoopbackPort()
            let arguments = ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", certificate, "-key", key,
                             "-naccept", String(accepts)] + options
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

/// A one-connection TLS server written in Python's ssl module, for stream behaviours
/// `s_server` cannot script (STARTTLS, close_notify ordering). `body` runs after the socket
/// listens, with `s` (the listening socket) and `ctx` (the server context) defined.
struct PythonTLSServer {
    let process: ChildProcess
    let port: Int
    let directory: TemporaryDirectory

    var stdout: String { process.stdout }
    var stderr: String { process.stderr }

    func wait(timeout: Duration) async throws -> Int32 { try await process.wait(timeout: timeout) }

    static func start(name: String, certificate: String, key: String, body: String) async throws -> PythonTLSServer {
        let directory = try TemporaryDirectory(prefix: "openssl-kit-\(name)")
        let port = try freeLoopbackPort()
        let script = """
        import socket, ssl, sys
        port, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(cert, key)
        s = socket.socket(); s.bind(("127.0.0.1", port)); s.listen(1)
        print("LISTENING", flush=True)

        """ + body
        let process = try ChildProcess("/usr/bin/python3", ["-c", script, String(port), certificate, key],
                                       logDirectory: directory.path, name: name)
        while !process.stdout.contains("LISTENING") && process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        return PythonTLSServer(process: process, port: port, directory: directory)
    }
}
