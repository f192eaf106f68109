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

    @discardableResult
    func run(_ arguments: [String], password: String? = nil, timeout: Duration = .seconds(300)) async throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        var environment = ProcessInfo.processInfo.environment
        environment["IMAPWORKER_PASSWORD"] = password
        return try await runCommand(binary, arguments + ["--db", database], environment: environment, timeout: timeout)
    }

    func start(_ arguments: [String], password: String?, logDirectory: String) throws -> ChildProcess {
        var environment = ProcessInfo.processInfo.environment
        environment["IMAPWORKER_PASSWORD"] = password
        return try ChildProcess(binary, arguments + ["--db", database], environment: environment,
                                logDirectory: logDirectory, name: "imapctl")
    }
}

extension DovecotServer {
    /// `fullfetch` arguments for `kind` (imaps, starttls, tunnel).
    func fullfetchArguments(kind: String, mailbox: String, userID: String) -> [String] {
        var arguments = ["fullfetch", "--login", users[0].user, "--mailbox", mailbox, "--userid", userID, "--json"]
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
