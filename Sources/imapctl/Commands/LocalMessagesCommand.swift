import ArgumentParser
import Foundation
import MailStore

struct LocalMessagesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "messages", abstract: "List the messages of a mailbox of a user's local account.")

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "The local user.")
    var userid: String

    @Option(name: .long, help: "Mailbox name (decoded).")
    var mailbox = "INBOX"

    func run() async throws {
        let configuration = try global.load()
        let store = try global.openStore(configuration)
        defer { store.close() }
        let found = try await localMailbox(store, userID: userid, name: mailbox)
        let records = try await store.messageRecords(mailboxID: found.id)
        let headers = try await store.headerFields(bodyIDs: records.map(\.bodyID))
        let rows = records.map { LocalMessageRow($0, headers: headers[$0.bodyID] ?? MessageHeaderFields()) }
        if global.json { return try global.printJSON(rows) }
        if rows.isEmpty, !global.quiet { print("no message in \(found.name)") }
        let formatter = ISO8601DateFormatter()
        for row in rows {
            print("\(row.uid)  (\(row.flags.joined(separator: " ")))  \(row.size) bytes  \(formatter.string(from: row.internal_date))  \(row.message_id ?? "-")  \(row.subject ?? "")")
        }
    }
}

struct LocalMessageRow: Encodable {
    let uid: UInt32
    let flags: [String]
    let modseq: Int64
    let size: Int
    let internal_date: Date
    /// The zone the INTERNALDATE was given in, minutes east of UTC.
    let internal_date_offset: Int
    let message_id: String?
    let subject: String?
    let sha256: String

    init(_ record: MessageRecord, headers: MessageHeaderFields) {
        uid = record.uid
        flags = record.flags
        modseq = record.modSeq
        size = record.size
        internal_date = Date(timeIntervalSince1970: TimeInterval(record.internalDate))
        internal_date_offset = record.internalDateOffset
        message_id = headers.messageID
        subject = headers.subject
        sha256 = record.sha256
    }
}
