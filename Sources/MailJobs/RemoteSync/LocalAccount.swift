import Credentials
import Foundation
import IMAPClient
import Logging
import MailStore
import SyncEngine
import SyncIMAP
import SyncStore

/// The user's local account as `local_account` says: the embedded store, or an IMAP account
/// opened as the engine's local endpoint (QRESYNC, CONDSTORE and UIDPLUS checked as for the
/// remote side).
public struct LocalAccount: Sendable {
    public let section: WorkerConfiguration.LocalAccountSection
    /// TLS, mechanisms, timeouts and COMPRESS of an IMAP local account: the `imap` section's.
    public let defaults: WorkerConfiguration.IMAPSection

    public init(configuration: WorkerConfiguration) {
        section = configuration.localAccount
        defaults = configuration.imap
    }

    /// The connection settings of `userID`'s IMAP local account; nil for the store.
    public func settings(userID: String) -> RemoteSettings? {
        guard !section.isStore else { return nil }
        var settings = RemoteSettings(server: "", login: section.username.replacingOccurrences(of: "{user}", with: userID),
                                      password: section.password.isEmpty ? nil : Secret(section.password), defaults: defaults)
        settings.connection = section.type
        settings.passwordCommand = section.passwordCommand.isEmpty ? nil : section.passwordCommand
        settings.oauthTokenCommand = nil
        if section.type == "tunnel" {
            settings.tunnelCommand = section.command.replacingOccurrences(of: "{user}", with: Self.shellQuoted(userID))
        } else {
            settings.server = section.port > 0 ? "\(Self.bracketed(section.host)):\(section.port)" : section.host
        }
        return settings
    }

    /// How a run opens `userID`'s local account, as often as it has lanes: the secrets of an
    /// IMAP account are resolved once, here (a password command blocks while it runs: not on
    /// the cooperative pool).
    public func opener(store: MailStore, userID: String) async throws -> LocalEndpointOpener {
        guard let settings = settings(userID: userID) else {
            return LocalEndpointOpener(store: store, userID: userID, configuration: nil)
        }
        let configuration = try await offThePool {
            var resolved = settings
            try resolved.runSecretCommands()
            return try resolved.clientConfiguration()
        }
        return LocalEndpointOpener(store: store, userID: userID, configuration: configuration)
    }

    /// `{user}` goes into a shell command line: quoted, so a user id is never shell syntax.
    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    private static func bracketed(_ host: String) -> String {
        host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
    }
}

/// Opens the local side of a run: an endpoint over the embedded store (no connection: every
/// lane gets its own over the same store), or a session to the IMAP local account, logged out after.
public struct LocalEndpointOpener: Sendable {
    let store: MailStore
    let userID: String
    /// The IMAP local account's, secrets resolved; nil for the store.
    let configuration: IMAPClientConfiguration?

    public func withEndpoint<Result: Sendable>(logger: Logger, _ body: (any MailboxEndpoint) async throws -> Result)
        async throws -> Result
    {
        guard let configuration else { return try await body(StoreMailboxEndpoint(store: store, userID: userID)) }
        return try await IMAPEndpointConnector.withEndpoint(configuration: configuration, side: .local, logger: logger) {
            try await body($0)
        }
    }
}
