import IMAPClient
import Logging
import NIOCore
import NIOPosix
import SyncEngine

extension IMAPEndpointConnector {
    /// The same as `withEndpoint(_:side:…)` for a client configuration made elsewhere (a stored
    /// identity's settings rather than an InterIMAP section): connects, checks QRESYNC (enabled),
    /// CONDSTORE and UIDPLUS (only UIDPLUS with `fallback`: the endpoint's fallback mode, which
    /// `syncremote` enables), runs `body`, logs out.
    public static func withEndpoint<Result>(
        configuration: IMAPClientConfiguration, side: Side,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "imapworker.sync.imap"),
        fallback: FlagSnapshotTables? = nil,
        _ body: (IMAPMailboxEndpoint) async throws -> Result
    ) async throws -> Result {
        try await withEndpoint(configuration: configuration, server: "\(configuration.server)", side: side,
                               group: group, logger: logger, fallback: fallback, body)
    }
}
