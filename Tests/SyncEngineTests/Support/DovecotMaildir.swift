import Foundation
import Testing
import IMAPCore
import TestSupport
@testable import SyncEngine

/// Reads a Dovecot Maildir++ tree (separator `/`) straight from disk: mailboxes, their
/// UIDVALIDITY and UID → message file (from `dovecot-uidlist`), so a test can check what a sync
/// did without going through the code under test.
struct DovecotMaildir {
    let root: String

    struct Mailbox {
        var uidValidity: UInt32
        /// `N` of the uidlist header: the next UID Dovecot will assign.
        var nextUID: UInt32
        /// UID → message bytes with line ends normalised to LF (Dovecot stores appended mail
        /// with LF, gen-mail.py with CRLF; IMAP serves both as CRLF).
        var messages: [UInt32: Data]
        /// UID → system flags, from the file name's `:2,` info (D F R S T).
        var flags: [UInt32: FlagList]
    }

    private static let infoFlags: [Character: MessageFlag] = [
        "D": .draft, "F": .flagged, "R": .answered, "S": .seen, "T": .deleted,
    ]

    /// Stored names (`\0` for `/`) of every mailbox with a uidlist.
    func mailboxNames() throws -> [StoredMailboxName] {
        var names: [StoredMailboxName] = []
        if FileManager.default.fileExists(atPath: root + "/dovecot-uidlist") {
            names.append(.inbox)
        }
        for entry in try FileManager.default.contentsOfDirectory(atPath: root).sorted()
        where entry.hasPrefix(".") && entry.count > 1 && FileManager.default.fileExists(atPath: "\(root)/\(entry)/dovecot-uidlist") {
            let wire = entry.dropFirst().replacingOccurrences(of: ".", with: "\u{0}")
            names.append(try #require(StoredMailboxName(bytes: Array(wire.utf8))))
        }
        return names.sorted()
    }

    func directory(of name: StoredMailboxName) -> String {
        if name == .inbox { return root }
        return root + "/." + String(decoding: name.bytes.map { $0 == 0 ? UInt8(ascii: ".") : $0 }, as: UTF8.self)
    }

    func mailbox(_ name: StoredMailboxName) throws -> Mailbox {
        let dir = directory(of: name)
        let uidlist = try String(contentsOfFile: dir + "/dovecot-uidlist", encoding: .utf8)
        let allLines = uidlist.split(separator: "\n")
        let header = try #require(allLines.first).split(separator: " ")
        let uidValidity = try #require(header.first { $0.hasPrefix("V") }.flatMap { UInt32($0.dropFirst()) })
        let nextUID = try #require(header.first { $0.hasPrefix("N") }.flatMap { UInt32($0.dropFirst()) })
        let files = (try FileManager.default.contentsOfDirectory(atPath: dir + "/cur")).map { "cur/" + $0 }
            + (try FileManager.default.contentsOfDirectory(atPath: dir + "/new")).map { "new/" + $0 }
        var messages: [UInt32: Data] = [:]
        var flags: [UInt32: FlagList] = [:]
        for line in allLines.dropFirst() {
            // "<uid> [extensions] :<base name>" (uidlist v3) or "<uid> <base name>".
            let uid = try #require(UInt32(line.prefix { $0 != " " }))
            let base = line.contains(":") ? String(line[line.index(after: try #require(line.firstIndex(of: ":")))...])
                                          : String(line.split(separator: " ").last ?? "")
            guard let file = files.first(where: { ($0 as NSString).lastPathComponent.hasPrefix(base) }) else { continue }
            let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + file))
            messages[uid] = Data(bytes.split(separator: 0x0D, omittingEmptySubsequences: false).joined())
            let info = file.range(of: ":2,").map { file[$0.upperBound...] } ?? ""
            flags[uid] = FlagList(info.compactMap { Self.infoFlags[$0] })
        }
        return Mailbox(uidValidity: uidValidity, nextUID: nextUID, messages: messages, flags: flags)
    }
}

/// Runs IMAP commands through `tunnel-imap.sh` (a PREAUTH session) and returns the output.
func tunnelSession(dir: String, user: String, commands: String) async throws -> String {
    let scratch = try TemporaryDirectory(prefix: "imapworker-tunnel")
    // A pipe, not a file: Dovecot's ioloop cannot poll a regular file.
    let input = Pipe()
    let child = try ChildProcess(harnessScript("tunnel-imap.sh"), [dir, user], logDirectory: scratch.path, name: "tunnel",
                                 stdin: input.fileHandleForReading)
    try input.fileHandleForWriting.write(contentsOf: Data((commands + "zz LOGOUT\r\n").utf8))
    try input.fileHandleForWriting.close()
    let status = try await child.wait(timeout: .seconds(60))
    guard status == 0 else { throw TestHarnessError("tunnel-imap.sh exited \(status): \(child.stderr)") }
    return child.stdout
}

/// `* STATUS` values per wire name, from one tunnel session.
func tunnelStatus(dir: String, user: String, mailboxes: [String]) async throws -> [String: (UInt32, UInt32, UInt64)] {
    let commands = mailboxes.enumerated().map { "s\($0.offset) STATUS \"\($0.element)\" (UIDVALIDITY UIDNEXT HIGHESTMODSEQ)\r\n" }
    let output = try await tunnelSession(dir: dir, user: user, commands: commands.joined())
    var result: [String: (UInt32, UInt32, UInt64)] = [:]
    for line in output.split(separator: "\r\n") where line.hasPrefix("* STATUS ") {
        guard let open = line.lastIndex(of: "(") else { continue }
        var name = line[line.index(line.startIndex, offsetBy: 9)..<open].trimmingCharacters(in: .whitespaces)
        if name.hasPrefix("\"") { name = String(name.dropFirst().dropLast()) }
        let items = line[line.index(after: open)...].dropLast().split(separator: " ")
        var values: [String: UInt64] = [:]
        for i in stride(from: 0, to: items.count - 1, by: 2) { values[String(items[i])] = UInt64(items[i + 1]) }
        if let v = values["UIDVALIDITY"], let n = values["UIDNEXT"], let h = values["HIGHESTMODSEQ"] {
            result[name] = (UInt32(v), UInt32(n), h)
        }
    }
    return result
}
