import ArgumentParser
import Logging
import MailJobs
import Metrics
import Prometheus
import ServiceLifecycle
import Worker

@main
struct IMAPWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "imapworker",
        abstract: "Daemon that runs IMAP orders (fullfetch, addremote, …) from NATS and/or Redis Streams.",
        discussion: """
            Start it with `imapworker start`; it reads configs/imapworker.yaml (or --config), where every key can be \
            overridden by an IMAPWORKER_… environment variable. See docs/worker.md and docs/configuration.md.
            """,
        version: WorkerService.version,
        subcommands: [StartCommand.self]
    )
}

struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Run the worker until SIGTERM or SIGINT (running jobs get worker.shutdown_grace_seconds to finish)."
    )

    @Option(name: .long, help: "Configuration file (default: configs/imapworker.yaml if present).")
    var config: String?

    func run() async throws {
        let configuration: WorkerConfiguration
        do {
            configuration = try WorkerConfiguration.load(path: config)
        } catch {
            throw ValidationError(error.description)
        }
        let logger = try makeLogger(configuration.log)
        var registry: PrometheusCollectorRegistry?
        if configuration.metrics.port > 0 {
            let prometheus = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: prometheus))
            registry = prometheus
        }
        let service = WorkerService(configuration: configuration, logger: logger, registry: registry)
        var group = ServiceGroupConfiguration(
            services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "imapworker")],
            logger: logger)
        group.gracefulShutdownSignals = [.sigterm, .sigint]
        try await ServiceGroup(configuration: group).run()
    }

    private func makeLogger(_ section: WorkerConfiguration.LogSection) throws -> Logger {
        let name = section.level.isEmpty ? "info" : section.level.lowercased()
        guard let level = Logger.Level(rawValue: name) else { throw ValidationError("unknown log level \(section.level)") }
        let json = section.format == "json"
        var logger = Logger(label: "imapworker") { label -> any LogHandler in
            json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
        }
        logger.logLevel = level
        return logger
    }
}
