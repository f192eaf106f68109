import ArgumentParser
import Foundation
import MailJobs

struct FullFetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fullfetch",
        abstract: "Fetch every message of a remote mailbox into the user's local account (no sync state kept).",
        discussion: "Runs again safely: messages already stored are neither downloaded nor stored twice."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var remote: RemoteOptions

    @Option(name: .long, help: "Remote mailbox (decoded name, e.g. 'Lists/Développement').")
    var mailbox = "INBOX"

    @Option(name: .long, help: "The local user the messages are stored for.")
    var userid: String

    func run() async throws {
        let configuration = try global.load()
        let logger = try global.makeLogger(configuration)
        let settings = try remote.settings(configuration, resolveSecrets: remote.tunnel == nil)
        let store = try global.openStore(configuration)
        let job = FullFetchJob(userID: userid, mailbox: mailbox, client: try settings.clientConfiguration(),
                               fetch: configuration.fetch)
        let printer = ProgressPrinter(enabled: !global.quiet && !global.json && isatty(STDERR_FILENO) == 1)
        do {
            let result = try await job.run(store: store, logger: logger) { printer.show($0) }
            printer.finish()
            if global.json {
                try global.printJSON(result)
            } else if !global.quiet {
                print("""
                    \(result.mailbox): \(result.inserted) new message(s) stored for \(result.userID) \
                    (\(result.remoteMessages) on the server, \(result.alreadyStored) already stored), \
                    \(formatBytes(result.bytes)) in \(String(format: "%.1f", result.seconds)) s
                    """)
            }
        } catch {
            printer.finish()
            throw CommandFailure(error)
        }
    }
}
