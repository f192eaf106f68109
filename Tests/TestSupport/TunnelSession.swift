import Foundation

/// Runs IMAP commands on the server's first user through `tunnel-imap.sh` (PREAUTH) and returns
/// the session's output.
public func remoteSession(_ server: DovecotServer, _ commands: String) async throws -> String {
    try await tunnelSession(server.tunnelCommand(), commands)
}

/// Runs IMAP commands through a PREAUTH tunnel `command` (e.g. `tunnel-imap.sh DIR USER`), then
/// LOGOUT; throws if it fails or the server refused a command.
public func tunnelSession(_ command: [String], _ commands: String) async throws -> String {
    let scratch = try TemporaryDirectory(prefix: "imapworker-tunnel")
    // A pipe, not a file: Dovecot's ioloop cannot poll a regular file.
    let input = Pipe()
    let child = try ChildProcess(command[0], Array(command.dropFirst()), logDirectory: scratch.path, name: "tunnel",
                                 stdin: input.fileHandleForReading)
    try input.fileHandleForWriting.write(contentsOf: Data((commands + "zz LOGOUT\r\n").utf8))
    try input.fileHandleForWriting.close()
    let status = try await child.wait(timeout: .seconds(60))
    guard status == 0 else { throw TestHarnessError("tunnel-imap.sh exited \(status): \(child.stderr)") }
    let refused = child.stdout.split(separator: "\r\n").filter { $0.split(separator: " ").dropFirst().first.map { $0 == "NO" || $0 == "BAD" } ?? false }
    guard refused.isEmpty else { throw TestHarnessError("the server refused: \(refused)\n\(child.stdout)") }
    return child.stdout
}
