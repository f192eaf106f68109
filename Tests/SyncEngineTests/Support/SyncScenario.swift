import Foundation
import IMAPCore
import Testing
import TestSupport
@testable import SyncEngine

/// Two accounts for `imapctl sync` scenarios: the local one a daemon-less Maildir over
/// `tunnel-imap.sh`, the remote one a real Dovecot over imaps (or a tunnel too, where interimap
/// must run on the same pair). Changes are made behind the engine's back through tunnel
/// sessions; results are read from the Maildirs on disk and the state database.
struct SyncScenario {
    let dir: TemporaryDirectory
    let server: DovecotServer?
    let remoteUser = "bob"

    var localDir: String { dir.path + "/l" }
    var remoteDir: String { server?.directory ?? dir.path + "/r" }
    var localMaildir: DovecotMaildir { DovecotMaildir(root: localDir + "/home/alice/Maildir") }
    var remoteMaildir: DovecotMaildir { DovecotMaildir(root: remoteDir + "/home/\(remoteUser)/Maildir") }
    var database: String { dir.file("state.db") }

    /// `remoteConfiguration` goes into the remote Dovecot's dovecot.conf (imaps only).
    static func make(local: CorpusOptions?, remote: CorpusOptions?, remoteOverIMAPS: Bool = true,
                     remoteConfiguration: String? = nil) async throws -> SyncScenario {
        let dir = try TemporaryDirectory(prefix: "imapworker-sync")
        if let local {
            try await DovecotServer.generateCorpus(local, maildir: dir.path + "/l/home/alice/Maildir", manifest: dir.file("l.json"))
        }
        if remoteOverIMAPS {
            let server = try await DovecotServer.start(users: [("bob", "bobpw")], corpus: remote, extraConfiguration: remoteConfiguration)
            return SyncScenario(dir: dir, server: server)
        }
        if let remote {
            try await DovecotServer.generateCorpus(remote, maildir: dir.path + "/r/home/bob/Maildir", manifest: dir.file("r.json"))
        }
        return SyncScenario(dir: dir, server: nil)
    }

    func writeConfig(database: String? = nil) throws -> String {
        let file = dir.file("config")
        let remote: String
        if let server {
            remote = """
                type = imaps
                host = 127.0.0.1
                port = \(server.imapsPort)
                username = \(remoteUser)
                password = bobpw
                SSL_CAfile = \(server.caFile)
                """
        } else {
            remote = "type = tunnel\ncommand = \(harnessScript("tunnel-imap.sh")) \(remoteDir) \(remoteUser)"
        }
        try """
            database = \(database ?? self.database)
            [local]
            type = tunnel
            command = \(harnessScript("tunnel-imap.sh")) \(localDir) alice
            [remote]
            \(remote)
            """.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    var environment: [String: String] {
        ["HOME": dir.path, "XDG_DATA_HOME": dir.path, "XDG_CONFIG_HOME": dir.path, "PATH": "/usr/bin:/bin"]
    }

    /// `imapctl sync --config=… ARGS`.
    func sync(_ arguments: [String] = [], environment extra: [String: String] = [:],
              timeout: Duration = .seconds(300)) async throws -> (status: Int32, stdout: String, stderr: String) {
        let config = try writeConfig()
        return try await runCommand(try builtExecutable("imapctl"), ["sync", "--config=\(config)"] + arguments,
                                    environment: environment.merging(extra) { $1 }, timeout: timeout)
    }

    /// A successful `imapctl sync --json`, its report decoded.
    func syncReport(_ arguments: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) async throws -> SyncReport {
        let result = try await sync(arguments + ["--json"])
        #expect(result.status == 0, "imapctl sync failed: \(result.stderr)", sourceLocation: sourceLocation)
        let line = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        return try JSONDecoder().decode(SyncReport.self, from: Data(line.utf8))
    }

    /// interimap 0.5.7 on the same configuration (tunnels only).
    func interimap(_ arguments: [String] = []) async throws -> String {
        let config = try writeConfig()
        let result = try await runCommand("/usr/bin/interimap", ["--config=\(config)"] + arguments,
                                          environment: environment, timeout: .seconds(300))
        #expect(result.status == 0, "interimap failed: \(result.stderr)")
        return result.stdout + result.stderr
    }

    func session(_ side: Side, _ commands: String) async throws -> String {
        side == .local ? try await tunnelSession(dir: localDir, user: "alice", commands: commands)
                       : try await tunnelSession(dir: remoteDir, user: remoteUser, commands: commands)
    }

    func maildir(_ side: Side) -> DovecotMaildir { side == .local ? localMaildir : remoteMaildir }

    /// The mapping of one mailbox (the database is opened and closed again: it is locked while open).
    func mapping(_ name: StoredMailboxName) throws -> UIDMapping {
        let db = try SyncStateDatabase(path: database, create: false)
        let box = try #require(try db.read { try $0.mailbox(named: name) }, "\(name) not in the database")
        return try db.read { try $0.mapping(mailbox: box.id) }
    }

    /// APPENDs a message on `side` and returns its UID.
    @discardableResult
    func append(_ side: Side, mailbox: String = "INBOX", subject: String, flags: String = "") async throws -> UID {
        let message = "From: test@example.org\r\nTo: x@example.org\r\nSubject: \(subject)\r\n"
            + "Message-ID: <\(subject.replacingOccurrences(of: " ", with: "."))@\(side).example.org>\r\n\r\n\(subject) body\r\n"
        let output = try await session(side, "a1 APPEND \"\(mailbox)\" (\(flags)) {\(message.utf8.count)+}\r\n\(message)\r\n")
        let line = try #require(output.split(separator: "\r\n").first { $0.hasPrefix("a1 OK [APPENDUID") }, "\(output)")
        let value = try #require(UInt32(line.split(separator: " ")[4].trimmingCharacters(in: CharacterSet(charactersIn: "]"))))
        return try #require(UID(rawValue: value))
    }

    /// Both sides hold the same mailboxes and messages, each once, every message mapped to its
    /// copy with the same flags. Returns the number of messages per side.
    @discardableResult
    func checkInSync(sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        let names = PerSide(local: try localMaildir.mailboxNames(), remote: try remoteMaildir.mailboxNames())
        #expect(names.local == names.remote, "mailboxes differ", sourceLocation: sourceLocation)
        let db = try SyncStateDatabase(path: database, create: false)
        var total = 0
        for name in names.local where names.remote.contains(name) {
            let boxes = PerSide(local: try localMaildir.mailbox(name), remote: try remoteMaildir.mailbox(name))
            for side in Side.allCases {
                let bodies = boxes[side].messages.values
                #expect(Set(bodies).count == bodies.count, "\(side) \(name) holds a message twice", sourceLocation: sourceLocation)
            }
            #expect(boxes.local.messages.values.sorted { $0.lexicographicallyPrecedes($1) }
                    == boxes.remote.messages.values.sorted { $0.lexicographicallyPrecedes($1) },
                    "\(name): different messages", sourceLocation: sourceLocation)
            let record = try #require(try db.read { try $0.mailbox(named: name) }, "\(name) not in the database")
            let mapping = try db.read { try $0.mapping(mailbox: record.id) }
            #expect(mapping.count == boxes.local.messages.count, "\(name): \(mapping.count) pairs for \(boxes.local.messages.count) messages",
                    sourceLocation: sourceLocation)
            for pair in mapping.pairs {
                #expect(boxes.local.messages[pair.local.rawValue] != nil
                        && boxes.local.messages[pair.local.rawValue] == boxes.remote.messages[pair.remote.rawValue],
                        "\(name) pair \(pair) maps different or missing messages", sourceLocation: sourceLocation)
                #expect(boxes.local.flags[pair.local.rawValue] == boxes.remote.flags[pair.remote.rawValue],
                        "\(name) pair \(pair) flags \(String(describing: boxes.local.flags[pair.local.rawValue])) vs \(String(describing: boxes.remote.flags[pair.remote.rawValue]))",
                        sourceLocation: sourceLocation)
            }
            total += boxes.local.messages.count
        }
        return total
    }
}

extension SyncReport {
    func total(_ path: KeyPath<SyncSummary, SideCounts>) -> SideCounts {
        mailboxes.reduce(SideCounts()) { SideCounts(local: $0.local + $1[keyPath: path].local, remote: $0.remote + $1[keyPath: path].remote) }
    }

    var conflicts: Int { mailboxes.reduce(0) { $0 + $1.conflicts } }
    var isAllClean: Bool { mailboxes.allSatisfy { $0.outcome == .clean } }
}
