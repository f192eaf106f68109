import ArgumentParser
import Foundation
import MailJobs
import MailStore

struct AddRemoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "addremote",
        abstract: "Store a remote identity for a user and print its id.",
        discussion: """
            Every connection, TLS and authentication flag is stored, so that `fullfetch --identifier` connects the \
            same way. Secrets are sealed with the store key. Without a password, token or command, later syncs must \
            be given the secret.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var remote: RemoteOptions

    @Option(name: .long, help: "The local user this remote account belongs to.")
    var userid: String

    @Option(name: .long, help: "Remote mailbox to sync (repeatable; default INBOX).")
    var mailbox: [String] = []

    @Flag(inversion: .prefixedNo, help: """
        Keep an IDLE connection on the identity's INBOX in the daemon and sync within seconds of new mail \
        (default: the configuration's push.enabled).
        """)
    var push: Bool?

    func run() async throws {
        let configuration = try global.load()
        let settings = try remote.settings(configuration, resolveSecrets: false)
        let identity = try RemoteIdentity(userID: userid, settings: settings, mailboxes: mailbox)
        let store = try global.openStore(configuration)
        defer { store.close() }
        let added = try store.addIdentity(identity)
        if let push { try store.setPush(identityID: added.id, push) }
        if global.json {
            try global.printJSON(["identity_id": added.id.uuidString.lowercased()])
        } else {
            print(added.id.uuidString.lowercased())
        }
    }
}
