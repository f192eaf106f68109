import BusTransport
import Foundation
import Logging
import MailJobs
import MailStore
import NIOHTTP1
import Prometheus
import ServiceLifecycle

/// The daemon as one service: feeds the pool from every configured transport until a graceful
/// shutdown (SIGTERM, SIGINT), then stops intake, lets running jobs finish within the grace
/// period, and closes the transports.
public struct WorkerService: Service, CustomStringConvertible {
    public static let version = "0.1.0"

    let configuration: WorkerConfiguration
    let logger: Logger
    /// Served on `metrics.port` when that is set (the executable bootstraps swift-metrics with it).
    let registry: PrometheusCollectorRegistry?

    public init(configuration: WorkerConfiguration, logger: Logger, registry: PrometheusCollectorRegistry? = nil) {
        self.configuration = configuration
        self.logger = logger
        self.registry = registry
    }

    /// swift-service-lifecycle logs its services: never the configuration, whose URLs may hold passwords.
    public var description: String { "WorkerService" }

    public func run() async throws {
        let workerID = TransportSetup.workerID(configuration)
        // The key sealing the identities' secrets, found as imapctl finds it (store.key_file, else beside the store).
        let keyFile = configuration.store.keyFile.isEmpty ? StoreKeySource.defaultKeyFile(forStore: configuration.store.path)
            : configuration.store.keyFile
        let store = try MailStore(path: configuration.store.path, options: .init(keySource: StoreKeySource(keyFile: keyFile)),
                                  logger: logger)
        let messageEvents = try await MessageEventSink.connect(configuration, logger: logger)
        let background = BackgroundStatus(intervalSeconds: configuration.scheduler.pollIntervalSeconds,
                                          maxInFlight: min(configuration.scheduler.maxInFlight, configuration.workers),
                                          maxPushConnections: configuration.push.maxConnections)
        let pool = WorkerPool(
            configuration: WorkerConfigurationView(
                workerID: workerID, workers: configuration.workers, queueLimit: configuration.worker.queueLimit,
                maxOrderBytes: configuration.worker.maxOrderBytes,
                progressIntervalSeconds: configuration.worker.progressIntervalSeconds),
            runner: JobRunner(configuration: configuration, store: store, logger: logger, messageEvents: messageEvents,
                              workerID: workerID),
            logger: logger, version: Self.version, background: background)
        let slots = WorkerSlots(capacity: configuration.workers)
        let feeds = try await TransportSetup.feeds(configuration, workerID: workerID, slots: slots, logger: logger)
        let intakes = feeds.intakes
        if intakes.isEmpty {
            logger.warning("no transport configured (set nats.url or redis.url): no orders will arrive")
        }
        logger.info("imapworker started", metadata: [
            "worker": "\(workerID)", "workers": "\(configuration.workers)",
            "transports": "\(intakes.map(\.name).joined(separator: ","))", "version": "\(Self.version)",
        ])
        let grace = Duration.seconds(configuration.worker.shutdownGraceSeconds)
        let syncs = backgroundSyncs(store: store, workerID: workerID,
                                    events: EventsDestination(transports: intakes.map(\.transport), logger: logger),
                                    status: background)
        await withDiscardingTaskGroup { group in
            group.addTask { await pool.run() }
            for intake in intakes {
                group.addTask { await intake.serveStatus(pool: pool) }  // ends with `close`
            }
            if let endpoint = metricsEndpoint(pool) {
                group.addTask {
                    do { try await endpoint.run() } catch {
                        // Cancelled at shutdown (the group ends it once the pool has drained): not a failure.
                        guard !Task.isCancelled, !(error is CancellationError) else { return }
                        logger.error("metrics endpoint failed", metadata: ["error": "\(error)"])
                    }
                }
            }
            await withTaskGroup(of: Void.self) { feeding in
                for intake in intakes {
                    feeding.addTask { await intake.run(pool: pool) }
                }
                for poller in feeds.pollers {
                    feeding.addTask { await poller.run(pool: pool) }
                }
                feeding.addTask { await syncs.run(pool: pool) }
                feeding.addTask {
                    await PushSupervisor(store: store, owner: workerID, configuration: configuration, syncs: syncs,
                                         logger: logger).run()
                }
                try? await gracefulShutdown()
                logger.info("shutting down: intake stopped, waiting for running jobs", metadata: ["grace": "\(grace)"])
                for intake in intakes { await intake.stopReceiving() }  // their `receive` returns []
                feeding.cancelAll()  // the pollers, the scheduler and the push connections
                await pool.drain(grace: grace)
            }
            for intake in intakes { await intake.close() }
            group.cancelAll()  // the metrics endpoint; the pool has finished
        }
        await messageEvents?.close()
        // The log emptied and removed now, not whenever the last job abandoned at the grace lets go.
        store.close()
        let counts = await pool.status().counts
        logger.info("imapworker stopped", metadata: [
            "completed": "\(counts.completed)", "failed": "\(counts.failed)", "rejected": "\(counts.rejected)",
        ])
    }

    /// The scheduler (`scheduler.*`): at most `max_in_flight` background syncs, never more than `workers`.
    private func backgroundSyncs(store: MailStore, workerID: String, events: EventsDestination,
                                 status: BackgroundStatus) -> BackgroundSyncs {
        BackgroundSyncs(store: store, owner: workerID, interval: TimeInterval(configuration.scheduler.pollIntervalSeconds),
                        maxInFlight: status.scheduler.maxInFlight,
                        leaseSeconds: TimeInterval(configuration.identities.syncLockSeconds), events: events, status: status,
                        logger: logger)
    }

    private func metricsEndpoint(_ pool: WorkerPool) -> MetricsEndpoint? {
        guard configuration.metrics.port > 0, let registry else { return nil }
        return MetricsEndpoint(
            host: configuration.metrics.host, port: configuration.metrics.port,
            metrics: { registry.emitToBuffer() },
            health: {
                let status = await pool.status()
                let failed = status.transports.filter { $0.state == "failed" }.map(\.name)
                let body = #"{"status":"\#(failed.isEmpty ? "ok" : "failing")","worker":"\#(status.worker)"}"#
                return (failed.isEmpty ? .ok : .serviceUnavailable, body)
            },
            logger: logger)
    }
}
