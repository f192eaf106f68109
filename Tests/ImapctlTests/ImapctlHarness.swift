import Foundation
import MailStore
import OpenSSLKit
import TestSupport

/// Runs the real `imapctl` binary as a child process.
struct Imapctl {
    let binary: String
    let database: String

    init(database: String) throws {
        binary = try builtExecutable("imapctl")
        self.database = database
    }

    /// Runs imapctl with IMAPWORKER_PASSWORD set to `password` (unset when nil) and
    /// IMAPWORKER_OAUTH_TOKEN to `oauthToken`.
    @discardableResult
    func run(_ arguments: [String], password: String? = nil, oauthToken: String? = nil,
             environment extra: [String: String] = [:],
             timeout: Duration = .seconds(300)) async throws -> (status: Int32, stdout: String, stderr: String)
    {
        var environment = ProcessInfo.processInfo.environment.merging(extra) { _, given in given }
        environment["IMAPWORKER_PASSWORD"] = password
        environment["IMAPWORKER_OAUTH_TOKEN"] = oauthToken
        return try await runCommand(binary, arguments + ["--db", database], environment: environment, timeout: timeout)
    }

    func start(_ arguments: [String], password: String?, logDirectory: String) throws -> ChildProcess {
        var environment = ProcessInfo.processInfo.environment
        environment["IMAPWORKER_PASSWORD"] = password
        return try ChildProcess(binary, arguments + ["--db", database], environment: environment,
                                logDirectory: logDirectory, name: "imapctl")
    }
}

extension Imapctl {
    /// Runs imapctl on a pseudo-terminal, with no password or token in the environment, and
    /// types `answer` once `prompt` is shown, like a person (echo is off by then). Returns the
    /// exit status and everything the terminal showed.
    func runOnTerminal(_ arguments: [String], prompt: String, answer: String,
                       logDirectory: String) async throws -> (status: Int32, output: String) {
        var environment = ProcessInfo.processInfo.environment
        environment["IMAPWORKER_PASSWORD"] = nil
        environment["IMAPWORKER_OAUTH_TOKEN"] = nil
        let command = ([binary] + arguments + ["--db", database]).map { "'\($0)'" }.joined(separator: " ")
        // script(1) gives imapctl a pseudo-terminal and copies our stdin to it.
        let keyboard = Pipe()
        let run = try ChildProcess("/usr/bin/script", ["-qec", command, "/dev/null"], environment: environment,
                                   logDirectory: logDirectory, name: "terminal",
                                   stdin: keyboard.fileHandleForReading)
        let deadline = ContinuousClock.now + .seconds(60)
        while !run.stdout.contains(prompt), run.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        keyboard.fileHandleForWriting.write(Data("\(answer)\n".utf8))
        let status = try await run.wait(timeout: .seconds(120))
        try? keyboard.fileHandleForWriting.close()
        return (status, run.stdout)
    }
}

extension Imapctl {
    /// `addremote` of the server's first user (imaps, password sealed) for user u1: the identity's id.
    func addIdentity(of server: DovecotServer) async throws -> String {
        let added = try await run(["addremote", "--userid", "u1", "--login", server.users[0].user,
                                   "--pass", server.users[0].password,
                                   "--server", "\(server.host):\(server.imapsPort)", "--ca-file", server.caFile])
        guard added.status == 0 else { throw TestHarnessError("addremote failed: \(added.stderr)") }
        return added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension DovecotServer {
    /// `fullfetch` arguments for `kind` (imaps, starttls, tunnel).
    func fullfetchArguments(kind: String, mailbox: String, userID: String) -> [String] {
        var arguments = ["fullfetch", "--local", "--login", users[0].user, "--mailbox", mailbox, "--userid", userID, "--json"]
        switch kind {
        case "imaps": arguments += ["--server", "\(host):\(imapsPort)", "--ca-file", caFile]
        case "starttls": arguments += ["--server", "\(host):\(imapPort)", "--connection", "starttls", "--ca-file", caFile]
        default: arguments += ["--tunnel", tunnelCommand().joined(separator: " ")]
        }
        return arguments
    }
}

struct FetchSummary: Decodable {
    let inserted: Int
    let remote_messages: Int
    let already_stored: Int
}

func decodeSummary(_ stdout: String) throws -> FetchSummary {
    guard let line = stdout.split(separator: "\n").last else { throw TestHarnessError("no JSON output") }
    return try JSONDecoder().decode(FetchSummary.self, from: Data(line.utf8))
}
