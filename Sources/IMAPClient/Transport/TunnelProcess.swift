import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A child process whose stdin/stdout carry the IMAP session (`tunnel` connections).
/// Its stderr is inherited, or sent to /dev/null when asked.
///
/// Started with `posix_spawnp` rather than Foundation's `Process`: that one lists and closes
/// every descriptor and starts a monitoring thread, which on a loaded machine made the spawn
/// itself a visible part of a short sync (the tunnel is on its critical path). The child gets
/// default signal dispositions and an empty signal mask, as `Process` gives it.
final class TunnelProcess: Sendable {
    private let pid: pid_t
    /// The `waitpid` status once the child is reaped.
    private let reaped = Mutex<CInt?>(nil)
    /// Our ends of the pipes: read the child's stdout, write the child's stdin.
    let readDescriptor: CInt
    let writeDescriptor: CInt

    /// How long an ended session's child may take to exit on its own (it reads EOF after
    /// LOGOUT) before it is sent SIGTERM, then SIGKILL.
    private static let exitGrace: Duration = .seconds(5)

    init(command: [String], nullStderr: Bool) throws(IMAPClientError) {
        guard let executable = command.first, !executable.isEmpty else { throw .configuration("empty tunnel command") }
        var toChild: [CInt] = [-1, -1], fromChild: [CInt] = [-1, -1]
        guard pipe(&toChild) == 0 else { throw Self.failure(executable, errno) }
        guard pipe(&fromChild) == 0 else {
            let error = errno
            close(toChild[0]); close(toChild[1])
            throw Self.failure(executable, error)
        }
        // Glibc's pipe2 is not imported: close-on-exec right after, so that no other child
        // spawned meanwhile keeps the session's pipes open.
        for descriptor in toChild + fromChild { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on 0 and 1; every other descriptor of ours has it set.
        posix_spawn_file_actions_adddup2(&actions, toChild[0], STDIN_FILENO)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], STDOUT_FILENO)
        if nullStderr { posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t(), allSignals = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var child = pid_t()
        let spawned = posix_spawnp(&child, executable, &actions, &attributes, argv, environ)
        close(toChild[0])
        close(fromChild[1])
        guard spawned == 0 else {
            close(toChild[1]); close(fromChild[0])
            throw Self.failure(executable, spawned)
        }
        pid = child
        readDescriptor = fromChild[0]
        writeDescriptor = toChild[1]
    }

    private static func failure(_ executable: String, _ code: CInt) -> IMAPClientError {
        .tunnel("cannot start \(executable): \(String(cString: strerror(code)))")
    }

    /// The session is over (its pipes closed): the child is reaped off the caller's thread once
    /// it exits on its own, and ended if it does not within ``exitGrace``. A short `sync` does
    /// not wait for it; a long-lived process leaves no zombie.
    func terminate() {
        guard !hasExited() else { return }
        let pid = self.pid
        Thread.detachNewThread { [self] in
            for (signal, grace) in [(SIGTERM, Self.exitGrace), (SIGKILL, Duration.seconds(1))] {
                let deadline = ContinuousClock.now + grace
                while !hasExited(), ContinuousClock.now < deadline { usleep(5_000) }
                if hasExited() { return }
                kill(pid, signal)
            }
            var status: CInt = 0
            if waitpid(pid, &status, 0) == pid { reaped.withLock { $0 = status } }
        }
    }

    /// Reaps the child if it has exited (never blocks).
    private func hasExited() -> Bool {
        reaped.withLock { reaped in
            if reaped != nil { return true }
            var status: CInt = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { return false }
            reaped = status
            return true
        }
    }

    var exitDescription: String? {
        guard hasExited(), let status = reaped.withLock({ $0 }) else { return nil }
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift does not import.
        if status & 0x7f == 0 { return "tunnel command exited with status \((status >> 8) & 0xff)" }
        return "tunnel command was killed by signal \(status & 0x7f)"
    }
}
