import ArgumentParser
import Foundation
import MailStore

struct RemoveRemoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "removeremote",
        abstract: "Delete a user's remote identity (the messages fetched through it stay).")

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "The local user.")
    var userid: String

    @Option(name: .long, help: "The identity's id (see remotes).")
    var identifier: String

    func run() async throws {
        let configuration = try global.load()
        let store = try global.openStore(configuration)
        defer { store.close() }
        let identity = try storedIdentity(store, identifier: identifier, userID: userid)
        try store.deleteIdentity(id: identity.id)
        if global.json {
            try global.printJSON(["removed": identity.id.uuidString.lowercased()])
        } else if !global.quiet {
            print("removed \(identity.id.uuidString.lowercased()) (\(identity.login)@\(identity.server))")
        }
    }
}

/// The user's identity named by `identifier`; an identity of another user is not found either.
func storedIdentity(_ store: MailStore, identifier: String, userID: String) throws -> RemoteIdentity {
    guard let id = UUID(uuidString: identifier) else { throw ValidationError("--identifier \(identifier) is not a UUID") }
    guard let identity = try store.identity(id: id), identity.userID == userID else {
        throw MailStoreError.notFound("identity \(identifier.lowercased()) of user \(userID)")
    }
    return identity
}
