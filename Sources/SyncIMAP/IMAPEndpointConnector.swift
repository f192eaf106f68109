import Credentials
import IMAPClient
import IMAPCore
import Logging
import NIOCore
import NIOPosix
import SyncEngine

/// Opens the IMAP endpoint of one side of an InterIMAP configuration: a connected,
/// authenticated session with QRESYNC enabled, its required capabilities checked.
public enum IMAPEndpointConnector {
    /// Connects with `settings` (the `[local]` or `[remote]` section), checks that the server has
    /// QRESYNC (enabled), CONDSTORE and UIDPLUS (else `MailboxEndpointError.missingCapability`
    /// naming the side, the server and the capability), runs `body` with the endpoint, then logs
    /// out, whatever happened. `x-password-command` / `x-oauth-token-command` run first, off the
    /// cooperative pool. `wireTrace` (`--debug`) receives the session's traffic.
    public static func withEndpoint<Result>(
        _ settings: ConnectionSettings, side: Side,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "imapworker.sync.imap"),
        wireTrace: IMAPWireTrace? = nil,
        _ body: (IMAPMailboxEndpoint) async throws -> Result
    ) async throws -> Result {
        // Secret commands block while they run (up to their timeout): not on the cooperative pool.
        // Without one the mapping is pure: no hop (a no-op run starts its tunnel sooner).
        var configuration = settings.passwordCommand == nil && settings.oauthTokenCommand == nil
            ? try IMAPConnectionMapping.configuration(for: settings, side: side)
            : try await NIOThreadPool.singleton.runIfActive { try IMAPConnectionMapping.configuration(for: settings, side: side) }
        configuration.wireTrace = wireTrace
        return try await withEndpoint(configuration: configuration, server: IMAPConnectionMapping.serverDescription(settings),
                                      side: side, group: group, logger: logger, body)
    }

    /// Connects, checks the capabilities (errors name `server`), runs `body`, logs out. With
    /// `fallback` (``IMAPMailboxEndpoint/init(session:label:logger:fallback:)``) a server without
    /// QRESYNC or CONDSTORE is accepted: the endpoint emulates them.
    static func withEndpoint<Result>(
        configuration: IMAPClientConfiguration, server: String, side: Side, group: any EventLoopGroup, logger: Logger,
        fallback: FlagSnapshotTables? = nil, _ body: (IMAPMailboxEndpoint) async throws -> Result
    ) async throws -> Result {
        try await IMAPSession.withSession(configuration, group: group, logger: logger) { session in
            if let missing = missingCapability(session, fallback: fallback != nil) {
                throw MailboxEndpointError.missingCapability("\(missing) (\(side) server \(server))")
            }
            let endpoint = IMAPMailboxEndpoint(session: session, label: side.rawValue, logger: logger, fallback: fallback)
            defer { endpoint.close() }
            return try await body(endpoint)
        }
    }

    /// The first of QRESYNC, CONDSTORE, UIDPLUS the session lacks (QRESYNC must also be ENABLEd).
    /// The fallback mode emulates QRESYNC and CONDSTORE, never UIDPLUS.
    /// With ``IMAPClientConfiguration/pipelinesSetUp`` the ENABLE is not answered yet: only the
    /// advertisement is checked here, and ``IMAPMailboxEndpoint/capabilities()`` (the engine's first
    /// question) leaves QRESYNC out unless it was enabled.
    static func missingCapability(_ session: IMAPSession, fallback: Bool = false) -> String? {
        let enabledKnown = !session.configuration.pipelinesSetUp
        if !fallback, !session.hasCapability(.qresync) || (enabledKnown && !session.enabled.contains(.qresync)) { return "QRESYNC" }
        if !fallback, !session.hasCapability(.condstore) && !session.hasCapability(.qresync) { return "CONDSTORE" }
        if !session.hasCapability(.uidplus) { return "UIDPLUS" }
        return nil
    }
}
