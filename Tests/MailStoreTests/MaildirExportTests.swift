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
        let expectedLetters = ["", "S", "RST", "DF", "DFRST"]
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
    }

    @Test func exportingAMissingMailboxFails() throws {
        let fixture = try StoreFixture()
        let store = try fixture.open()
        #expect(throws: MailStoreError.notFound("mailbox Nope of user u1")) {
            try store.exportMaildir(userID: "u1", mailbox: "Nope", to: fixture.directory.file("out"))
        }
    }
}
