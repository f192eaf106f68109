import IMAPClient
import Logging
import NIOCore
import NIOPosix
import SyncEngine

extension IMAPEndpointConnector {
    /// Both sides of an InterIMAP configuration at once: the two connections (process start or
    /// TCP, TLS, authentication, ENABLE) are made concurrently and logged out concurrently, so a
    /// short run pays for the slower side only, not for the sum. Otherwise as
    /// ``withEndpoint(_:side:group:logger:wireTrace:_:)``: a side that fails to connect ends the other one
    /// and its error is thrown. With `firstListing`, each side sends that listing as soon as it is
    /// connected (``IMAPMailboxEndpoint/startListing(_:)``), not once both are.
    public static func withEndpoints<Result>(
        _ settings: PerSide<ConnectionSettings>,
        firstListing: PerSide<MailboxListRequest>? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "imapworker.sync.imap"),
        wireTraces: PerSide<IMAPWireTrace?> = PerSide(local: nil, remote: nil),
        _ body: (PerSide<IMAPMailboxEndpoint>) async throws -> Result
    ) async throws -> Result {
        // Each side's session lives in a child task (withEndpoint is scoped); the child hands its
        // endpoint over, then waits until `release` finishes before logging out.
        let (opened, openedSink) = AsyncStream.makeStream(of: OpenedSide.self)
        let (release, releaseSink) = AsyncStream.makeStream(of: Never.self)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            for side in Side.allCases {
                let sideSettings = settings[side], wireTrace = wireTraces[side]
                tasks.addTask {
                    do {
                        try await withEndpoint(sideSettings, side: side, group: group, logger: logger, wireTrace: wireTrace) { endpoint in
                            if let request = firstListing?[side] { endpoint.startListing(request) }
                            openedSink.yield(OpenedSide(side: side, outcome: .success(endpoint)))
                            for await _ in release {}
                        }
                    } catch {
                        openedSink.yield(OpenedSide(side: side, outcome: .failure(error)))
                        throw error
                    }
                }
            }
            var endpoints: [Side: IMAPMailboxEndpoint] = [:]
            var failure: (any Error)?
            for await side in opened {
                switch side.outcome {
                case .success(let endpoint): endpoints[side.side] = endpoint
                case .failure(let error): failure = failure ?? error
                }
                if failure != nil || endpoints.count == Side.allCases.count { break }
            }
            openedSink.finish()
            guard failure == nil, let local = endpoints[.local], let remote = endpoints[.remote] else {
                // The group waits for the other side's logout before this leaves.
                releaseSink.finish()
                tasks.cancelAll()
                throw failure ?? CancellationError()
            }
            let result: Result
            do {
                result = try await body(PerSide(local: local, remote: remote))
            } catch {
                releaseSink.finish()
                throw error
            }
            releaseSink.finish()
            try await tasks.waitForAll()
            return result
        }
    }
}

/// One side's connection attempt, reported to ``IMAPEndpointConnector/withEndpoints(_:group:logger:_:)``.
private struct OpenedSide: Sendable {
    var side: Side
    var outcome: Swift.Result<IMAPMailboxEndpoint, any Error>
}
