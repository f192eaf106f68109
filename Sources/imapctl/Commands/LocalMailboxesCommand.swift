import ArgumentParser
import Foundation
import MailStore

struct LocalMailboxesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mailboxes", abstract: "List the mailboxes of a user's local account, with their counters.")

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "The local user.")
    var userid: String

    func run() async throws {
        let configuration = try global.load()
        let store = try global.openStore(configuration)
        defer { store.close() }
        let counts = try await store.messageCounts(userID: userid)
        let rows = try await store.listMailboxes(userID: userid).map { LocalMailboxRow($0, messages: counts[$0.id] ?? 0) }
        if global.json { return try global.printJSON(rows) }
        if rows.isEmpty, !global.quiet { print("no mailbox for \(userid)") }
        for row in rows {
            print("\(row.name)  messages: \(row.messages)  UIDVALIDITY \(row.uidvalidity)  UIDNEXT \(row.uidnext)  HIGHESTMODSEQ \(row.highestmodseq)\(row.subscribed ? "  subscribed" : "")")
        }
    }
}

struct LocalMailboxRow: Encodable {
    let name: String
    let delimiter: String?
    let uidvalidity: UInt32
    let uidnext: UInt32
    let highestmodseq: Int64
    let subscribed: Bool
    let messages: Int

    init(_ mailbox: LocalMailbox, messages: Int) {
        name = mailbox.name
        delimiter = mailbox.delimiter.map(String.init)
        uidvalidity = mailbox.uidValidity
        uidnext = mailbox.uidNext
        highestmodseq = mailbox.highestModSeq
        subscribed = mailbox.subscribed
        self.messages = messages
    }
}

/// The user's mailbox, or a clear "not found".
func localMailbox(_ store: MailStore, userID: String, name: String) async throws -> LocalMailbox {
    guard let mailbox = try await store.findMailbox(userID: userID, name: name) else {
        throw MailStoreError.notFound("mailbox \(name) of user \(userID)")
    }
    return mailbox
}

/// `--uid` values: numbers, `N:M` ranges and comma lists of them, as in IMAP.
func parseUIDRanges(_ values: [String]) throws -> [ClosedRange<UInt32>] {
    var ranges: [ClosedRange<UInt32>] = []
    for part in values.flatMap({ $0.split(separator: ",") }) {
        let ends = part.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(ends.count), let low = UInt32(ends[0]), let high = UInt32(ends[ends.count - 1]),
              low > 0, high > 0 else {
            throw ValidationError("--uid \(part): expected a UID (N), a range (N:M) or a list of them")
        }
        ranges.append(min(low, high)...max(low, high))
    }
    guard !ranges.isEmpty else { throw ValidationError("at least one --uid is needed") }
    return ranges.sorted { $0.lowerBound < $1.lowerBound }
}
