import IMAPClient
import Logging
import SyncEngine
import SyncIMAP
import SyncStore

/// ``SyncLaneOpener`` for `syncremote` and `sync` orders: each lane is one more session to the
/// remote account and one more local endpoint, made with the run's own (already resolved)
/// settings. With the embedded store as the local account a lane costs only the remote's TLS
/// handshake and LOGIN: the store's endpoints share the run's store.
struct RemoteSyncLanes: SyncLaneOpener {
    let maxLanes: Int
    let remote: IMAPClientConfiguration
    let local: LocalEndpointOpener
    /// The remote's flag snapshots when it lacks CONDSTORE/QRESYNC: one state database for all lanes.
    let fallback: FlagSnapshotTables
    let logger: Logger

    func withLane(number: Int, _ body: @Sendable (PerSide<any MailboxEndpoint>) async throws -> Void) async throws {
        try await local.withEndpoint(logger: logger) { local in
            try await IMAPEndpointConnector.withEndpoint(configuration: remote, side: .remote, logger: logger,
                                                         fallback: fallback) { remote in
                try await body(PerSide(local: local, remote: remote))
            }
        }
    }
}
