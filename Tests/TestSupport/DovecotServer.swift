import Foundation
import NIOConcurrencyHelpers

/// A throwaway Dovecot 2.3 on 127.0.0.1 with free ports, in its own temporary directory
/// (`scripts/dovecot-start.sh`): STARTTLS on `imapPort`, implicit TLS on `imapsPort`, a server
/// certificate signed by the CA in `caFile`. Stopped by `stop()` or when released; a watcher also
/// stops it if the test process dies.
public final class DovecotServer: Sendable {
    public let host = "127.0.0.1"
    public let imapPort: Int
    public let imapsPort: Int
    /// PEM of the CA that signed the server certificate (SAN DNS:localhost, IP:127.0.0.1).
    public let caFile: String
    /// The instance directory (config, logs in `log/`, mail in `home/USER/Maildir`).
    public let directory: String
    /// The users, in the order given to `start` (the first one owns the corpus).
    public let users: [(user: String, password: String)]
    /// What the server serves for the first user, when started with a corpus.
    public let manifest: CorpusManifest?
    /// Path of the manifest file, for `imap-check.py verify --manifest`.
    public let manifestFile: String?
    /// The Dovecot master's PID.
    public let pid: Int32

    private let temporaryDirectory: TemporaryDirectory
    private let stopped = NIOLockedValueBox(false)

    private init(directory: TemporaryDirectory, imapPort: Int, imapsPort: Int, pid: Int32,
                 users: [(user: String, password: String)], manifest: CorpusManifest?, manifestFile: String?) {
        self.temporaryDirectory = directory
        self.directory = directory.path
        self.caFile = directory.path + "/ssl/ca.pem"
        self.imapPort = imapPort
        self.imapsPort = imapsPort
        self.pid = pid
        self.users = users
        self.manifest = manifest
        self.manifestFile = manifestFile
    }

    /// Starts a server for `users`; with `corpus`, generates that mail into the first user's
    /// Maildir before the start; with `oauth2`, it also offers XOAUTH2 and OAUTHBEARER and checks
    /// their tokens with that endpoint. `extraConfiguration` is appended to dovecot.conf (e.g.
    /// `imap_capability = …`). `modSequences: false` makes it a plain IMAP4rev1 server as far as
    /// a client can tell: CONDSTORE and QRESYNC are not advertised (``capabilitiesWithoutModSequences``).
    public static func start(users: [(String, String)] = [("alice", "alicepw")],
                             corpus: CorpusOptions? = nil, extraConfiguration: String? = nil,
                             oauth2: OAuth2TokenEndpoint? = nil, modSequences: Bool = true) async throws -> DovecotServer {
        guard let owner = users.first else { throw TestHarnessError("DovecotServer needs at least one user") }
        let directory = try TemporaryDirectory(prefix: "imapworker-dovecot")
        var extraConfiguration = extraConfiguration
        if !modSequences {
            extraConfiguration = "imap_capability = \(capabilitiesWithoutModSequences)\n" + (extraConfiguration ?? "")
        }
        if let extraConfiguration {
            try extraConfiguration.write(toFile: directory.file("extra.conf"), atomically: true, encoding: .utf8)
        }
        var manifest: CorpusManifest?
        var manifestFile: String?
        if let corpus {
            let file = directory.file("corpus.json")
            try await generateCorpus(corpus, maildir: "\(directory.path)/home/\(owner.0)/Maildir", manifest: file)
            manifest = try CorpusManifest(contentsOf: file)
            manifestFile = file
        }
        let credentials = users.map { "\($0.0):\($0.1)" }
        // A free port can be taken by another test between the probe and the bind: retry (exit 3).
        var lastError = ""
        for _ in 0..<5 {
            let imapPort = try freeLoopbackPort()
            var imapsPort = try freeLoopbackPort()
            while imapsPort == imapPort { imapsPort = try freeLoopbackPort() }
            let result = try await runCommand("/bin/bash", [
                harnessScript("dovecot-start.sh"), "--watch-pid", String(getpid()),
            ] + (oauth2.map { ["--oauth2-url", $0.url] } ?? []) + [
                directory.path, String(imapPort), String(imapsPort),
            ] + credentials)
            if result.status == 0 {
                let pidText = try String(contentsOfFile: directory.file("dovecot.pid"), encoding: .utf8)
                guard let pid = Int32(pidText.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                    throw TestHarnessError("dovecot-start.sh wrote no PID in \(directory.path)")
                }
                return DovecotServer(directory: directory, imapPort: imapPort, imapsPort: imapsPort, pid: pid,
                                     users: users.map { (user: $0.0, password: $0.1) },
                                     manifest: manifest, manifestFile: manifestFile)
            }
            lastError = "dovecot-start.sh exited \(result.status): \(result.stderr)"
            if result.status != 3 { break }
        }
        throw TestHarnessError(lastError)
    }

    /// What Dovecot 2.3 advertises after login, CONDSTORE and QRESYNC left out.
    public static let capabilitiesWithoutModSequences =
        "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT THREAD=REFERENCES MULTIAPPEND UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 LITERAL+ LIST-STATUS MOVE SPECIAL-USE"

    /// Writes a corpus into `maildir` with `gen-mail.py` (owned by uid 65534 when run as root).
    public static func generateCorpus(_ corpus: CorpusOptions, maildir: String, manifest: String) async throws {
        var arguments = [harnessScript("gen-mail.py"), "--quiet", "--maildir", maildir,
                         "--messages", String(corpus.messages), "--seed", String(corpus.seed),
                         "--manifest", manifest]
        if let big = corpus.bigMessages { arguments += ["--big", String(big)] }
        if let mailboxes = corpus.mailboxes { arguments += ["--mailboxes", mailboxes] }
        if getuid() == 0 { arguments += ["--chown", "65534:65534"] }
        let result = try await runCommand(stdlibPython, arguments, timeout: .seconds(600))
        guard result.status == 0 else {
            throw TestHarnessError("gen-mail.py exited \(result.status): \(result.stderr)")
        }
    }

    /// argv of a pre-authenticated IMAP session on stdin/stdout over `user`'s Maildir of this
    /// server (`scripts/tunnel-imap.sh`); works whether or not the server is running.
    public func tunnelCommand(user: String? = nil) -> [String] {
        [harnessScript("tunnel-imap.sh"), directory, user ?? users[0].user]
    }

    /// The Maildir of `user` (default: the first user).
    public func maildir(user: String? = nil) -> String {
        "\(directory)/home/\(user ?? users[0].user)/Maildir"
    }

    /// Stops the master (SIGTERM, SIGKILL after 10 s); it takes its children down. Idempotent.
    /// Blocks the calling thread for the shutdown (about 100 ms), so that `deinit` can use it.
    public func stop() {
        let first = stopped.withLockedValue { wasStopped in
            defer { wasStopped = true }
            return !wasStopped
        }
        guard first, processIsOurDovecot() else { return }
        kill(pid, SIGTERM)
        for _ in 0..<200 where processIsAlive(pid) { usleep(50_000) }
        if processIsAlive(pid) { kill(pid, SIGKILL) }
    }

    deinit { stop() }

    /// The recorded PID still runs our config (PIDs are reused).
    private func processIsOurDovecot() -> Bool {
        guard let cmdline = readProcFile("/proc/\(pid)/cmdline") else { return false }
        let arguments = cmdline.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        return processIsAlive(pid) && arguments.contains(directory + "/dovecot.conf")
    }
}

/// Alive and not a zombie (a reparented master is reaped by PID 1, which may be slow or absent).
public func processIsAlive(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    guard let bytes = readProcFile("/proc/\(pid)/stat") else { return true }
    let stat = String(decoding: bytes, as: UTF8.self)
    guard let close = stat.lastIndex(of: ")") else { return true }
    let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
    return state != "Z" && state != "X"
}

/// Reads a /proc file to its end (they report size 0, so size-based readers return nothing).
func readProcFile(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count <= 0 { return count == 0 ? result : nil }
        result += chunk[0..<count]
    }
}

/// Path of a harness script in the package's `scripts/`.
public func harnessScript(_ name: String) -> String { "\(packageRoot)/scripts/\(name)" }

/// A Python for the stdlib-only harness scripts: `testPython` when it exists, else python3.
public var stdlibPython: String {
    let candidate = testPython
    if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    for path in ["/usr/bin/python3", "/usr/local/bin/python3"] where FileManager.default.isExecutableFile(atPath: path) {
        return path
    }
    return "/usr/bin/env"   // last resort: env runs the script (first argument) through its shebang
}
