import IMAPClient
import Logging
import NIOCore
import NIOPosix
import SyncEngine

extension IMAPEndpointConnector {
    /// The same as `withEndpoint(_:side:…)` for a client configuration made elsewhere (a stored
    /// identity's settings rather than an InterIMAP section): connects, checks QRESYNC (enabled),
    /// CONDSTORE and UIDPLUS, runs `body`, logs out.
    public static func withEndpoint<Result>(
        configuration: IMAPClientConfiguration, side: Side,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "imapworker.sync.imap"),
        _ body: (IMAPMailboxEndpoint) async throws -> Result
    ) async throws -> Result {
        try await IMAPSession.withSession(configuration, group: group, logger: logger) { session in
            if let missing = missingCapability(session) {
                throw MailboxEndpointError.missingCapability("\(missing) (\(side) server \(configuration.server))")
            }
            let endpoint = IMAPMailboxEndpoint(session: session, label: side.rawValue, logger: logger)
            defer { endpoint.close() }
            return try await body(endpoint)
        }
    }
}
