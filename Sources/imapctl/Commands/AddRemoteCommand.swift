import Credentials
import ArgumentParser
import Foundation
import MailJobs
import MailStore

struct AddRemoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "addremote",
        abstract: "Store a remote identity for a user and print its id.",
        discussion: "Without --pass (or IMAPWORKER_PASSWORD), later syncs must be given the password."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var remote: RemoteOptions

    @Option(name: .long, help: "The local user this remote account belongs to.")
    var userid: String

    @Option(name: .long, help: "Remote mailbox to sync (repeatable; default INBOX).")
    var mailbox: [String] = []

    func run() async throws {
        let configuration = try global.load()
        let settings = try remote.settings(configuration, needPassword: false)
        _ = try settings.clientConfiguration()  // validates the settings before storing them
        let store = try global.openStore(configuration)
        let identity = try store.addIdentity(RemoteIdentity(
            userID: userid, server: settings.server, login: settings.login,
            password: settings.password.map { Secret($0.value) },
            authMechanisms: settings.authMechanisms, tls: RemoteIdentity.TLSSettings(settings: settings),
            mailboxes: mailbox.isEmpty ? ["INBOX"] : mailbox))
        if global.json {
            try global.printJSON(["identity_id": identity.id.uuidString.lowercased()])
        } else {
            print(identity.id.uuidString.lowercased())
        }
    }
}
