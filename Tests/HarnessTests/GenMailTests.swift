import Foundation
import Testing
import TestSupport

/// scripts/gen-mail.py without a server: deterministic output, the promised mix, CRLF files.
@Suite struct GenMailTests {
    static func generate(into directory: TemporaryDirectory, _ options: CorpusOptions) async throws -> CorpusManifest {
        let manifest = directory.file("corpus.json")
        try await DovecotServer.generateCorpus(options, maildir: directory.file("Maildir"), manifest: manifest)
        return try CorpusManifest(contentsOf: manifest)
    }

    /// Every file under `root` (relative path → bytes).
    static func tree(_ root: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let relative = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let path = root + "/" + relative
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[relative] = try Data(contentsOf: URL(fileURLWithPath: path))
            }
        }
        return files
    }

    @Test func sameSeedGivesTheSameBytes() async throws {
        let first = try TemporaryDirectory(prefix: "imapworker-genmail")
        let second = try TemporaryDirectory(prefix: "imapworker-genmail")
        _ = try await Self.generate(into: first, CorpusOptions(messages: 30, seed: 3))
        _ = try await Self.generate(into: second, CorpusOptions(messages: 30, seed: 3))
        let a = try Self.tree(first.path)
        let b = try Self.tree(second.path)
        #expect(a.count > 30)
        #expect(a == b)
    }

    @Test func defaultMixHasBigMessagesKeywordsAndEveryFolder() async throws {
        let directory = try TemporaryDirectory(prefix: "imapworker-genmail")
        let manifest = try await Self.generate(into: directory, CorpusOptions(messages: 200, seed: 5))
        #expect(manifest.totals.messages == 200)
        #expect(manifest.totals.over1MB == 3)            // default: 3 + N/1000 when N >= 200
        #expect(manifest.totals.mailboxes == 6)
        let messages = manifest.mailboxes.values.flatMap(\.messages)
        #expect(messages.count == 200)
        #expect(manifest.totals.bytes == messages.reduce(0) { $0 + $1.size })
        #expect(messages.contains { $0.size < 2000 })
        #expect(messages.contains { $0.flags.contains("\\Seen") })
        #expect(messages.contains { $0.flags.contains("\\Flagged") })
        #expect(messages.contains { $0.flags.contains("\\Answered") })
        #expect(messages.contains { $0.flags.isEmpty })
        #expect(Set(messages.map(\.messageID)).count == 200)
        for (name, mailbox) in manifest.mailboxes {
            #expect(mailbox.messages.map(\.uid) == Array(stride(from: 1, through: mailbox.messages.count, by: 1)),
                    "\(name): UIDs are 1...n")
            #expect(mailbox.uidnext == mailbox.messages.count + 1)
            let dates = mailbox.messages.map(\.internalDate)
            #expect(dates == dates.sorted(), "\(name): UIDs follow the dates")
        }
        // On disk: Maildir++ folders named in modified UTF-7, '/' mapped to '.'
        for folder in [".Archive.2023", ".Lists.D&AOk-veloppement", ".&ZeVnLIqe-", ".Archive", ".Lists"] {
            #expect(FileManager.default.fileExists(atPath: directory.file("Maildir/\(folder)/maildirfolder")), "\(folder)")
        }
    }

    @Test func filesUseCRLFAndCarryTheirSize() async throws {
        let directory = try TemporaryDirectory(prefix: "imapworker-genmail")
        _ = try await Self.generate(into: directory, CorpusOptions(messages: 20, seed: 9))
        let files = try Self.tree(directory.file("Maildir")).filter { entry in
            let parts = entry.key.split(separator: "/")
            return parts.count >= 2 && ["cur", "new"].contains(parts[parts.count - 2])
        }
        #expect(files.count == 20)
        for (name, data) in files {
            let bytes = [UInt8](data)
            let bareLF = zip(bytes.indices, bytes).contains { index, byte in
                byte == UInt8(ascii: "\n") && (index == 0 || bytes[index - 1] != UInt8(ascii: "\r"))
            }
            #expect(!bareLF, "\(name) has a bare LF")
            #expect(name.contains(",S=\(bytes.count),W=\(bytes.count)"), "\(name)")
        }
    }

    @Test func refusesAMaildirThatAlreadyHoldsMail() async throws {
        let directory = try TemporaryDirectory(prefix: "imapworker-genmail")
        _ = try await Self.generate(into: directory, CorpusOptions(messages: 5, seed: 1))
        await #expect(throws: TestHarnessError.self) {
            _ = try await Self.generate(into: directory, CorpusOptions(messages: 5, seed: 1))
        }
    }
}
