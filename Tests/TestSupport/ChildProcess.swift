import Foundation

/// A child process started by a test (a server, a third-party client, the `imapctl` binary).
/// It is killed when released, so a failing test never leaves servers behind.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: Foundation.Process is not Sendable; every access goes through `lock`.
    private let process = Process()
    private let lock = NSLock()
    public let stdoutFile: String
    public let stderrFile: String

    /// Starts `executable` with `arguments`; stdout and stderr go to files in `logDirectory`.
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                logDirectory: String, name: String, stdin: FileHandle? = nil) throws {
        stdoutFile = "\(logDirectory)/\(name).stdout"
        stderrFile = "\(logDirectory)/\(name).stderr"
        _ = FileManager.default.createFile(atPath: stdoutFile, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrFile, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = FileHandle(forWritingAtPath: stdoutFile)
        process.standardError = FileHandle(forWritingAtPath: stderrFile)
        process.standardInput = stdin ?? FileHandle.nullDevice
        try process.run()
    }

    public var pid: Int32 { lock.withLock { process.processIdentifier } }
    public var isRunning: Bool { lock.withLock { process.isRunning } }

    public func signal(_ sig: Int32) { lock.withLock { if process.isRunning { kill(process.processIdentifier, sig) } } }

    /// Waits for the process to exit, polling so that the wait never blocks a cooperative thread.
    @discardableResult
    public func wait(timeout: Duration = .seconds(60)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while isRunning {
            if ContinuousClock.now > deadline {
                signal(SIGKILL)
                throw TestHarnessError("process \(pid) did not exit within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return lock.withLock { process.terminationStatus }
    }

    public var stdout: String { (try? String(contentsOfFile: stdoutFile, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOfFile: stderrFile, encoding: .utf8)) ?? "" }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

/// Runs a command to completion and returns (status, stdout, stderr).
public func runCommand(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                       timeout: Duration = .seconds(120)) async throws -> (status: Int32, stdout: String, stderr: String) {
    let dir = try TemporaryDirectory(prefix: "imapworker-cmd")
    let child = try ChildProcess(executable, arguments, environment: environment, logDirectory: dir.path, name: "cmd")
    let status = try await child.wait(timeout: timeout)
    return (status, child.stdout, child.stderr)
}

/// The package's root directory (tests run scripts from `scripts/`).
public let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// The Python with the third-party clients installed (scripts/pyenv.sh); python3 otherwise.
public var testPython: String {
    ProcessInfo.processInfo.environment["IMAPWORKER_PYTHON"] ?? "/tmp/imapworker-pyenv/bin/python"
}
