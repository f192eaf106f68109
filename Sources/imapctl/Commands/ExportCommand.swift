import ArgumentParser
import Foundation
import MailStore

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write a user's stored mailbox as a Maildir (exactly the stored bytes).")

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "The local user.")
    var userid: String

    @Option(name: .long, help: "Mailbox name (decoded).")
    var mailbox = "INBOX"

    @Option(name: .long, help: "Destination Maildir (created if missing).")
    var maildir: String

    func run() async throws {
        let configuration = try global.load()
        let store = try global.openStore(configuration)
        defer { store.close() }
        let count = try store.exportMaildir(userID: userid, mailbox: mailbox, to: maildir)
        if global.json {
            try global.printJSON(["exported": count])
        } else if !global.quiet {
            print("\(count) message(s) written to \(maildir)")
        }
    }
}
