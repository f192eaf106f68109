import ArgumentParser
import Foundation
import MailStore

struct LocalFlagCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flag", abstract: "Add (+FLAG) or remove (-FLAG) flags and keywords of local messages.",
        discussion: "Example: imapctl flag --userid u1 --mailbox INBOX --uid 3 +\\\\Seen -\\\\Flagged +\\$Label1")

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "The local user.")
    var userid: String

    @Option(name: .long, help: "Mailbox name (decoded).")
    var mailbox = "INBOX"

    @Option(name: .long, help: "UID, N:M range or list (repeatable).")
    var uid: [String] = []

    @Argument(parsing: .allUnrecognized, help: "+FLAG to add, -FLAG to remove (e.g. +\\Seen -$Junk).")
    var changes: [String] = []

    func run() async throws {
        let ranges = try parseUIDRanges(uid)
        var added: [String] = []
        var removed: [String] = []
        for change in changes {
            let flag = String(change.dropFirst())
            guard !flag.isEmpty, !flag.contains(where: { $0 == " " || $0.isNewline }) else {
                throw ValidationError("\(change): expected +FLAG or -FLAG")
            }
            switch change.first {
            case "+": added.append(flag)
            case "-": removed.append(flag)
            default: throw ValidationError("\(change): expected +FLAG or -FLAG")
            }
        }
        guard !added.isEmpty || !removed.isEmpty else { throw ValidationError("no +FLAG or -FLAG given") }
        let configuration = try global.load()
        let store = try global.openStore(configuration)
        defer { store.close() }
        let found = try await localMailbox(store, userID: userid, name: mailbox)
        var changed = Set<UInt32>()
        var modseq: Int64?
        for (operation, flags) in [(FlagOperation.add, added), (.remove, removed)] where !flags.isEmpty {
            let outcome = try await store.storeFlags(mailboxID: found.id, uids: ranges, operation, flags)
            changed.formUnion(outcome.changed)
            modseq = outcome.modSeq ?? modseq
        }
        let records = try await store.messageRecords(mailboxID: found.id, uids: ranges)
        if global.json {
            return try global.printJSON(FlagOutput(changed: changed.sorted(), modseq: modseq,
                                                   messages: records.map { .init(uid: $0.uid, flags: $0.flags) }))
        }
        guard !global.quiet else { return }
        print("\(changed.count) message(s) changed")
        for record in records { print("\(record.uid)  (\(record.flags.joined(separator: " ")))") }
    }
}

private struct FlagOutput: Encodable {
    struct Message: Encodable {
        let uid: UInt32
        let flags: [String]
    }

    let changed: [UInt32]
    let modseq: Int64?
    let messages: [Message]
}
