import Foundation

/// A token introspection endpoint on 127.0.0.1 (`scripts/oauth2-introspect.py`) for a Dovecot
/// started with `DovecotServer.start(…, oauth2: endpoint)`: it accepts exactly the tokens given
/// here, each for its user, and calls every other token inactive. Stopped when released.
public final class OAuth2TokenEndpoint: Sendable {
    /// The URL Dovecot POSTs `token=…` to.
    public let url: String
    private let process: ChildProcess
    private let directory: TemporaryDirectory

    /// `tokens`: token → user name.
    public static func start(tokens: [String: String]) async throws -> OAuth2TokenEndpoint {
        let directory = try TemporaryDirectory(prefix: "imapworker-oauth2")
        let tokensFile = directory.file("tokens")
        try tokens.map { "\($0.key) \($0.value)\n" }.joined().write(toFile: tokensFile, atomically: true, encoding: .utf8)
        let portFile = directory.file("port")
        let process = try ChildProcess(stdlibPython, [harnessScript("oauth2-introspect.py"), "--watch-pid", String(getpid()),
                                                      tokensFile, portFile],
                                       logDirectory: directory.path, name: "oauth2-introspect")
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline, process.isRunning {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8), let port = Int(text) {
                return OAuth2TokenEndpoint(url: "http://127.0.0.1:\(port)/introspect", process: process,
                                           directory: directory)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestHarnessError("oauth2-introspect.py did not start: \(process.stderr)")
    }

    private init(url: String, process: ChildProcess, directory: TemporaryDirectory) {
        self.url = url
        self.process = process
        self.directory = directory
    }

    /// How many introspection requests found an active / an inactive token.
    public var requests: (active: Int, inactive: Int) {
        let lines = ((try? String(contentsOfFile: directory.file("port.requests"), encoding: .utf8)) ?? "")
            .split(separator: "\n")
        return (lines.filter { $0 == "ACTIVE" }.count, lines.filter { $0 == "INACTIVE" }.count)
    }

    deinit { process.signal(SIGTERM) }
}
