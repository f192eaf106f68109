#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A shell command that prints a secret on its standard output, like mbsync's `PassCmd`:
/// `pass show mail/work`, `gpg -dq token.gpg`, a helper that refreshes an OAuth access token.
/// It is run with `/bin/sh -c`; the first line it prints, trimmed, is the secret. Its stdin and
/// stderr are the caller's (so it may prompt on the terminal); what it prints is never shown.
public struct SecretCommand: Sendable {
    public var command: String
    /// What the command is for ("the OAuth token command"): errors name this, never the
    /// command line, which may itself hold a secret.
    public var purpose: String
    public var timeout: Duration

    public static let defaultTimeout: Duration = .seconds(60)
    /// Longest first line accepted (an access token is a few KB at most).
    public static let maxLineLength = 64 * 1024

    public init(_ command: String, purpose: String, timeout: Duration = SecretCommand.defaultTimeout) {
        self.command = command
        self.purpose = purpose
        self.timeout = timeout
    }

    /// Runs the command to its end (output after the first line is read and dropped, so a
    /// chatty command neither blocks nor grows memory) and returns the secret.
    public func run() throws(SecretCommandError) -> Secret {
        var child = try ChildOutput.spawn(command, purpose: purpose)
        defer { child.closeOutput() }
        let deadline = ContinuousClock.now + timeout
        var line = FirstLine()
        var exit: Int32?
        while exit == nil {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { child.terminate(); throw fail(.timedOut(timeout)) }
            if case .bytes(let bytes) = child.readChunk(waitingAtMost: min(remaining, .milliseconds(100))) {
                guard line.append(bytes) else { child.terminate(); throw fail(.lineTooLong(limit: Self.maxLineLength)) }
            }
            // The command may exit while something it started still holds the pipe open: its
            // exit, not the end of its output, ends the wait.
            exit = child.exitStatus()
            if exit == nil, child.outputClosed { exit = child.waitForExit(until: deadline) }
        }
        // What it wrote before exiting may still be in the pipe.
        while !line.complete, case .bytes(let bytes) = child.readChunk(waitingAtMost: .zero) {
            guard line.append(bytes) else { throw fail(.lineTooLong(limit: Self.maxLineLength)) }
        }
        guard let exit else { throw fail(.timedOut(timeout)) }
        if exit & 0x7F != 0 { throw fail(.killed(signal: exit & 0x7F)) }
        if (exit >> 8) & 0xFF != 0 { throw fail(.exited(status: (exit >> 8) & 0xFF)) }
        let secret = String(decoding: line.bytes, as: UTF8.self).trimmingWhitespace()
        guard !secret.isEmpty else { throw fail(.emptyOutput) }
        return Secret(secret)
    }

    private func fail(_ reason: SecretCommandError.Reason) -> SecretCommandError {
        SecretCommandError(purpose: purpose, reason: reason)
    }
}

/// Why a secret command gave no secret; the text names the command's purpose, never its output.
public struct SecretCommandError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        case launchFailed(errno: Int32)
        case exited(status: Int32)
        case killed(signal: Int32)
        case timedOut(Duration)
        case emptyOutput
        case lineTooLong(limit: Int)
    }

    public let purpose: String
    public let reason: Reason

    public init(purpose: String, reason: Reason) {
        self.purpose = purpose
        self.reason = reason
    }

    public var description: String {
        let why = switch reason {
        case .launchFailed(let code): "could not be started (\(String(cString: strerror(code))))"
        case .exited(let status): "exited with status \(status)"
        case .killed(let signal): "was killed by signal \(signal)"
        case .timedOut(let limit): "did not finish within \(limit)"
        case .emptyOutput: "printed nothing on its first line"
        case .lineTooLong(let limit): "printed a first line longer than \(limit) bytes"
        }
        return "\(purpose) \(why) (its output is not shown)"
    }
}

/// The first line of the output, bounded; the rest is dropped.
private struct FirstLine {
    private(set) var bytes: [UInt8] = []
    private(set) var complete = false

    /// False once the line is longer than the limit.
    mutating func append(_ chunk: [UInt8]) -> Bool {
        guard !complete else { return true }
        if let newline = chunk.firstIndex(of: UInt8(ascii: "\n")) {
            bytes += chunk[..<newline]
            complete = true
        } else {
            bytes += chunk
        }
        return bytes.count <= SecretCommand.maxLineLength
    }
}

/// The spawned `/bin/sh -c` and the read end of its stdout.
private struct ChildOutput {
    enum ReadResult { case bytes([UInt8]), endOfFile, nothingYet }

    let pid: pid_t
    private var fd: Int32
    private(set) var outputClosed = false
    private var reaped: Int32?

    static func spawn(_ command: String, purpose: String) throws(SecretCommandError) -> ChildOutput {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw SecretCommandError(purpose: purpose, reason: .launchFailed(errno: errno)) }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A caller's thread may block signals (Foundation's does); the command must not inherit that.
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        // Without a terminal, its own process group lets a timeout kill everything it started;
        // with one, it stays in the foreground group so that it may prompt.
        if isatty(STDIN_FILENO) == 0 {
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(command), nil]
        defer { for arg in argv { free(arg) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environ)
        close(fds[1])
        guard status == 0 else {
            close(fds[0])
            throw SecretCommandError(purpose: purpose, reason: .launchFailed(errno: status))
        }
        return ChildOutput(pid: pid, fd: fds[0], ownGroup: flags & Int32(POSIX_SPAWN_SETPGROUP) != 0)
    }

    private let ownGroup: Bool

    private init(pid: pid_t, fd: Int32, ownGroup: Bool) {
        self.pid = pid
        self.fd = fd
        self.ownGroup = ownGroup
    }

    mutating func readChunk(waitingAtMost wait: Duration) -> ReadResult {
        guard !outputClosed else { return .endOfFile }
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(wait.components.seconds * 1000 + wait.components.attoseconds / 1_000_000_000_000_000)
        guard poll(&poller, 1, milliseconds) > 0 else { return .nothingYet }
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count > 0 { return .bytes(Array(buffer[..<count])) }
        if count < 0, errno == EINTR || errno == EAGAIN { return .nothingYet }
        closeOutput()
        return .endOfFile
    }

    mutating func closeOutput() {
        guard !outputClosed else { return }
        outputClosed = true
        close(fd)
    }

    /// The raw wait status once the shell has exited; nil while it runs.
    mutating func exitStatus() -> Int32? {
        if let reaped { return reaped }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        reaped = status
        return status
    }

    mutating func waitForExit(until deadline: ContinuousClock.Instant) -> Int32? {
        while ContinuousClock.now < deadline {
            if let status = exitStatus() { return status }
            usleep(10_000)
        }
        terminate()
        return nil
    }

    mutating func terminate() {
        if reaped == nil {
            _ = kill(ownGroup ? -pid : pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
            reaped = status
        }
        closeOutput()
    }
}

private extension String {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0.isWhitespace }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
