import Foundation
import Synchronization

/// A child process whose stdin/stdout carry the IMAP session (`tunnel` connections).
/// Its stderr is inherited, or sent to /dev/null when asked.
final class TunnelProcess: Sendable {
    // Process is not Sendable; it is only touched through `lock`.
    private let box: Mutex<Process>
    /// Our ends of the pipes: read the child's stdout, write the child's stdin.
    let readDescriptor: CInt
    let writeDescriptor: CInt

    init(command: [String], nullStderr: Bool) throws(IMAPClientError) {
        guard let executable = command.first, !executable.isEmpty else { throw .configuration("empty tunnel command") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.contains("/") ? executable : "/usr/bin/env")
        process.arguments = executable.contains("/") ? Array(command.dropFirst()) : command
        let toChild = Pipe(), fromChild = Pipe()
        process.standardInput = toChild
        process.standardOutput = fromChild
        if nullStderr { process.standardError = FileHandle.nullDevice }
        do {
            try process.run()
        } catch {
            throw .tunnel("cannot start \(executable): \(error.localizedDescription)")
        }
        // NIO takes ownership of duplicates; the Pipe objects close their own descriptors.
        readDescriptor = dup(fromChild.fileHandleForReading.fileDescriptor)
        writeDescriptor = dup(toChild.fileHandleForWriting.fileDescriptor)
        try? fromChild.fileHandleForReading.close()
        try? toChild.fileHandleForWriting.close()
        try? fromChild.fileHandleForWriting.close()
        try? toChild.fileHandleForReading.close()
        box = Mutex(process)
    }

    /// Ends the child if it is still running (it normally exits on its own at EOF after LOGOUT).
    func terminate() {
        box.withLock { process in
            if process.isRunning { process.terminate() }
        }
    }

    var exitDescription: String? {
        box.withLock { process in
            process.isRunning ? nil : "tunnel command exited with status \(process.terminationStatus)"
        }
    }
}
