import ArgumentParser
import Foundation
import MailStore

struct LocalExpungeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expunge", abstract: "Remove local messages for good (a tombstone stays for sync peers).")

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "The local user.")
    var userid: String

    @Option(name: .long, help: "Mailbox name (decoded).")
    var mailbox = "INBOX"

    @Option(name: .long, parsing: .upToNextOption, help: "UIDs, N:M ranges or lists (several values, repeatable).")
    var uid: [String] = []

    func run() async throws {
        let ranges = try parseUIDRanges(uid)
        let configuration = try global.load()
        let store = try global.openStore(configuration)
        defer { store.close() }
        let found = try await localMailbox(store, userID: userid, name: mailbox)
        let outcome = try await store.expunge(mailboxID: found.id, uids: ranges)
        if global.json { return try global.printJSON(ExpungeOutput(expunged: outcome.expunged, modseq: outcome.modSeq)) }
        if !global.quiet {
            print("\(outcome.expunged.count) message(s) expunged\(outcome.expunged.isEmpty ? "" : ": \(outcome.expunged.map(String.init).joined(separator: " "))")")
        }
    }
}

private struct ExpungeOutput: Encodable {
    let expunged: [UInt32]
    let modseq: Int64?
}
