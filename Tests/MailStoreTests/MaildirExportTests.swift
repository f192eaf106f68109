import Foundation
import MailStore
import TestSupport
import Testing

@Suite struct MaildirExportTests {
    @Test func exportGivesBackTheStoredBytesWithFlagLetters() async throws {
        let fixture = try StoreFixture()
        let store = try fixture.open()
        let box = try store.ensureMailbox(userID: "u1", name: "Lists/Développement")
        let flagSets: [[String]] = [[], ["\\Seen"], ["\\Deleted", "\\Seen", "\\Answered"],
                                    ["\\Draft", "\\Flagged", "$Label"], ["\\Seen", "\\Flagged", "\\Draft", "\\Deleted", "\\Answered"]]
        let writer = store.makeWriter()
        for (index, flags) in flagSets.enumerated() {
            try writer.add(incoming(box, uid: UInt32(index + 1), flags: flags, size: index * 40_000))
        }
        try writer.flush()

        let maildir = fixture.directory.file("export/Développement")
        #expect(try store.exportMaildir(userID: "u1", mailbox: "Lists/Développement", to: maildir) == 5)
        let fm = FileManager.default
        #expect(try fm.contentsOfDirectory(atPath: maildir + "/new").isEmpty)
        #expect(try fm.contentsOfDirectory(atPath: maildir + "/tmp").isEmpty)
        let files = try fm.contentsOfDirectory(atPath: maildir + "/cur").sorted()
        #expect(files.count == 5)

        let stored = try storedMessages(store, box)
        let expectedLetters = ["", "S", "RST", "DFa", "DFRST"]  // a: $Label, keyword 0
        for (message, letters) in zip(stored, expectedLetters) {
            let name = try #require(files.first { $0.contains("_\(message.uid).imapworker:") })
            #expect(name.hasSuffix(":2,\(letters)"))
            let path = maildir + "/cur/" + name
            #expect(try fileBytes(path) == message.raw)
            // SHA-256 computed by another implementation matches the stored one.
            let sum = try await runCommand("/usr/bin/env", ["sha256sum", path])
            #expect(sum.stdout.split(separator: " ").first.map(String.init) == message.sha256)
        }

        // A second export replaces the files rather than adding to them.
        #expect(try store.exportMaildir(userID: "u1", mailbox: "Lists/De\u{301}veloppement", to: maildir) == 5)
        #expect(try fm.contentsOfDirectory(atPath: maildir + "/cur").sorted() == files)
        #expect(try String(contentsOfFile: maildir + "/dovecot-keywords", encoding: .utf8) == "0 $Label\n")

        // Messages expunged since lose their files; a new keyword gets the next letter, $Label keeps `a`.
        _ = try await store.expunge(mailboxID: box.id, uids: [2...3])
        _ = try await store.storeFlags(mailboxID: box.id, uids: [1...1], .add, ["$Later", "$Label"])
        let foreign = maildir + "/cur/1234.other-tool:2,S"
        #expect(fm.createFile(atPath: foreign, contents: Data("x".utf8)))
        #expect(try store.exportMaildir(userID: "u1", mailbox: "Lists/Développement", to: maildir) == 3)
        let remaining = try fm.contentsOfDirectory(atPath: maildir + "/cur").sorted()
        #expect(remaining.count == 4 && remaining.contains("1234.other-tool:2,S"))
        #expect(remaining.contains { $0.hasSuffix("_1.imapworker:2,ab") })
        #expect(!remaining.contains { $0.contains("_2.imapworker") || $0.contains("_3.imapworker") })
        #expect(try String(contentsOfFile: maildir + "/dovecot-keywords", encoding: .utf8) == "0 $Label\n1 $Later\n")
    }

    @Test func exportingAMissingMailboxFails() throws {
        let fixture = try StoreFixture()
        let store = try fixture.open()
        #expect(throws: MailStoreError.notFound("mailbox Nope of user u1")) {
            try store.exportMaildir(userID: "u1", mailbox: "Nope", to: fixture.directory.file("out"))
        }
    }
}
