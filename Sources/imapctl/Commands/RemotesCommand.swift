import ArgumentParser
import Foundation
import MailStore

struct RemotesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remotes", abstract: "List a user's remote identities.")

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "The local user.")
    var userid: String

    func run() async throws {
        let configuration = try global.load()
        let store = try global.openStore(configuration)
        defer { store.close() }
        let identities = try store.identities(userID: userid)
        if global.json {
            try global.printJSON(identities.map(IdentitySummary.init))
            return
        }
        if identities.isEmpty { print("no remote identity for \(userid)") }
        for identity in identities {
            let summary = IdentitySummary(identity)
            print("\(summary.identity_id)  \(summary.login)@\(summary.server)  \(summary.status)  mailboxes: \(summary.mailboxes.joined(separator: ", "))  errors: \(summary.error_count)\(summary.last_error.map { " (last: \($0))" } ?? "")\(summary.inactive_reason.map { "  inactive: \($0)" } ?? "")")
        }
    }
}

/// What is shown of an identity: never its secrets.
struct IdentitySummary: Encodable {
    let identity_id: String
    let user_id: String
    let server: String
    let login: String
    let connection: String
    let auth_mechanisms: [String]
    let has_password: Bool
    let has_oauth_token: Bool
    let status: String
    let inactive_reason: String?
    let mailboxes: [String]
    let last_check: Date?
    let error_count: Int
    let first_error_at: Date?
    let last_error_at: Date?
    let last_error: String?
    let sync_owner: String?
    let sync_expires_at: Date?

    init(_ identity: RemoteIdentity) {
        identity_id = identity.id.uuidString.lowercased()
        user_id = identity.userID
        server = identity.server
        login = identity.login
        connection = identity.tls.connection.rawValue
        auth_mechanisms = identity.authMechanisms
        has_password = identity.password != nil
        has_oauth_token = identity.oauthToken != nil
        status = identity.status.rawValue
        inactive_reason = identity.inactiveReason
        mailboxes = identity.mailboxes
        last_check = identity.lastCheck
        error_count = identity.errorCount
        first_error_at = identity.firstErrorAt
        last_error_at = identity.lastErrorAt
        last_error = identity.lastError
        sync_owner = identity.syncLock?.owner
        sync_expires_at = identity.syncLock?.expiresAt
    }
}
