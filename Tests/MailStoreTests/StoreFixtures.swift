import Foundation
import MailStore
import TestSupport

/// A fresh store in its own temporary directory.
struct StoreFixture {
    let directory: TemporaryDirectory
    let path: String

    init() throws {
        directory = try TemporaryDirectory(prefix: "mailstore-test")
        path = directory.path + "/data/imapworker.db"
    }

    func open(_ options: MailStore.Options = MailStore.Options()) throws(MailStoreError) -> MailStore {
        try MailStore(path: path, options: options)
    }
}

/// A small RFC 5322 message whose bytes depend on `uid` (and padding to reach `size`).
func sampleRaw(uid: UInt32, size: Int = 0) -> [UInt8] {
    var text = "From: Alice <alice@example.org>\r\nTo: bob@example.org\r\nSubject: message \(uid) é\r\n"
    text += "Message-ID: <\(uid)@example.org>\r\n\r\nBody of message \(uid).\r\n"
    var bytes = Array(text.utf8)
    var filler: UInt8 = UInt8(truncatingIfNeeded: uid)
    while bytes.count < size {
        bytes.append(0x41 + filler % 26)
        filler &+= 7
        if bytes.count % 76 == 0 { bytes += [13, 10] }
    }
    return bytes
}

func incoming(_ mailbox: LocalMailbox, uid: UInt32, account: String = "bob@imap.example.org:993",
              remoteMailbox: String = "INBOX", uidValidity: UInt32 = 42, flags: [String] = ["\\Seen"],
              size: Int = 0) -> IncomingMessage {
    IncomingMessage(mailboxID: mailbox.id,
                    origin: MessageOrigin(account: account, mailbox: remoteMailbox, uidValidity: uidValidity, uid: uid),
                    flags: flags, internalDate: (epoch: 1_700_000_000 + Int64(uid), utcOffsetMinutes: 120),
                    raw: sampleRaw(uid: uid, size: size))
}

/// Every stored message of a mailbox, in UID order.
func storedMessages(_ store: MailStore, _ mailbox: LocalMailbox) throws -> [StoredMessage] {
    var out: [StoredMessage] = []
    try store.forEachMessage(mailboxID: mailbox.id) { out.append($0) }
    return out
}

/// Runs Python's sqlite3 on the file (an independent reader/writer for the tests).
func pythonSQLite(_ path: String, _ script: String) async throws -> String {
    let program = "import sqlite3, sys\ndb = sqlite3.connect(sys.argv[1])\n" + script
    let result = try await runCommand("/usr/bin/env", ["python3", "-c", program, path])
    guard result.status == 0 else { throw TestHarnessError("python3 failed: \(result.stderr)") }
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

func fileBytes(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}
