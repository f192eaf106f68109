import IMAPClient
import Logging
import NIOCore
import NIOPosix
import SyncEngine

/// ``SyncLaneOpener`` over IMAP: each lane is another pair of sessions made with the run's own
/// settings (``IMAPEndpointConnector/withEndpoints(_:firstListing:group:logger:wireTraces:_:)``).
public struct IMAPSyncLanes: SyncLaneOpener {
    public let settings: PerSide<ConnectionSettings>
    public let maxLanes: Int
    let group: any EventLoopGroup
    let logger: Logger
    /// Each lane's wire traces, by lane number (labels that tell the connections apart).
    let wireTraces: @Sendable (Int) -> PerSide<IMAPWireTrace?>

    public init(_ settings: PerSide<ConnectionSettings>, maxLanes: Int,
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger = Logger(label: "imapworker.sync.imap"),
                wireTraces: @escaping @Sendable (Int) -> PerSide<IMAPWireTrace?> = { _ in PerSide(local: nil, remote: nil) }) {
        self.settings = settings
        self.maxLanes = maxLanes
        self.group = group
        self.logger = logger
        self.wireTraces = wireTraces
    }

    public func withLane(number: Int, _ body: @Sendable (PerSide<any MailboxEndpoint>) async throws -> Void) async throws {
        try await IMAPEndpointConnector.withEndpoints(settings, group: group, logger: logger,
                                                      wireTraces: wireTraces(number)) { endpoints in
            try await body(PerSide(local: endpoints.local, remote: endpoints.remote))
        }
    }
}
