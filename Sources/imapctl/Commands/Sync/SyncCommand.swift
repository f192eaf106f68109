import ArgumentParser
import Foundation
import IMAPClient
import Logging
import SyncEngine
import SyncIMAP

/// `imapctl sync`: InterIMAP's command line over its configuration file and state database
/// (docs/sync.md). The default command synchronises; `--repair`, `--delete`, `--rename` are
/// interimap's administrative commands.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Synchronise two IMAP accounts the way interimap does, on interimap's configuration and database.",
        discussion: """
            Reads interimap's configuration file ($XDG_CONFIG_HOME/interimap/config by default) and its state \
            database: an interimap user switches with nothing re-downloaded. MAILBOX arguments (modified UTF-7, \
            the local hierarchy delimiter) replace list-mailbox and bypass ignore-mailbox. See docs/sync.md.
            """,
        version: "imapctl sync 1.0 (interimap 0.5.7 compatible)"
    )

    @Option(name: .long, help: "Configuration file (relative paths start from $XDG_CONFIG_HOME/interimap).")
    var config: String?

    @Flag(name: .long, help: "List the database anomalies and repair them (full synchronisation of the MAILBOXes, default all).")
    var repair = false

    @Flag(name: .long, help: "Delete the MAILBOXes on each target where they exist (not recursive).")
    var delete = false

    @Flag(name: .long, help: "Rename SOURCE to DEST on each target (recursive); aborts if DEST exists on a target.")
    var rename = false

    @Option(name: .long, help: "Target of --delete / --rename: local, remote or database (repeatable, or comma-separated).")
    var target: [String] = []

    /// `--watch[=seconds]`; a bare `--watch` arrives as ``SyncArguments/defaultWatch``.
    @Option(name: .long, help: ArgumentHelp("Keep synchronising; sleep this many seconds in between (default 60, or 900 with --notify).",
                                            valueName: "seconds"))
    var watch: Int?

    @Flag(name: .long, help: "Wait for changes with NOTIFY when both servers have it, else IDLE where advertised, else poll.")
    var notify = false

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    @Flag(name: .long, help: ArgumentHelp("Debug log at trace level, and all IMAP traffic but literals (\"remote: C: …\"); LOGIN and AUTHENTICATE credentials are redacted unless --debug is given twice."))
    var debug: Int

    @Option(name: .long, help: "Connections to each server at most: mailboxes synchronised side by side (1: one at a time, as interimap).")
    var connections = 3

    @Flag(name: .long, help: "Print the summary as one line of JSON per run on stdout.")
    var json = false

    @Argument(help: "Mailboxes (modified UTF-7); for --rename, SOURCE DEST.")
    var mailboxes: [String] = []

    func validate() throws {
        let commands = [repair, delete, rename].filter { $0 }.count
        guard commands <= 1 else { throw ValidationError("--repair, --delete and --rename exclude each other") }
        if delete, mailboxes.isEmpty { throw ValidationError("--delete needs at least one MAILBOX") }
        if rename, mailboxes.count != 2 { throw ValidationError("--rename needs SOURCE and DEST") }
        if !target.isEmpty, !(delete || rename) { throw ValidationError("--target goes with --delete or --rename") }
        _ = try targets()
        if watch != nil, commands > 0 { throw ValidationError("--watch goes with a synchronisation only") }
        if connections < 1 { throw ValidationError("--connections needs at least 1") }
        if let watch, watch < 1, watch != SyncArguments.defaultWatch { throw ValidationError("--watch needs a positive number of seconds") }
    }

    func targets() throws -> Set<SyncTarget> {
        guard !target.isEmpty else { return Set(SyncTarget.allCases) }
        var set = Set<SyncTarget>()
        for word in target.flatMap({ $0.split(separator: ",") }) {
            guard let t = SyncTarget(rawValue: String(word)) else { throw ValidationError("invalid target \(word)") }
            set.insert(t)
        }
        return set
    }

    func run() async throws {
        let configPath = InterIMAPConfiguration.configurationPath(config)
        let configuration: InterIMAPConfiguration
        do {
            configuration = try InterIMAPConfiguration.load(path: configPath)
        } catch {
            throw CommandFailure(error)
        }
        let logger = SyncLogging.logger(configuration: configuration, quiet: quiet, debug: debug)
        for warning in configuration.warnings { logger.warning("\(warning)") }
        // The state database opens while both connections are made: a no-op run is mostly
        // their set-up, and the local tunnel's start is the longest part of it.
        let opening = Task { try SyncLogging.openDatabase(configuration) }
        let output = SyncOutput(json: json, quiet: quiet)
        let selection = try SyncSelection(configuration: configuration, mailboxes: (delete || rename) ? [] : mailboxes)
        let options = SyncRunOptions(progress: output.progressHandler, checkpoint: SyncCrashHook.fromEnvironment(),
                                     logger: logger)
        let imapLogger = SyncLogging.imapLogger(debug: debug, base: logger)
        do {
            // Both connections at once: a no-op run is mostly their setup.
            // Connection 1 is the run's own; the extra ones of --connections are `remote#2`, ….
            let traces: @Sendable (Int) -> PerSide<IMAPWireTrace?> = { [debug] connection in
                PerSide { side in
                    WireTraceOutput.trace(debug: debug, label: connection == 1 ? side.rawValue : "\(side.rawValue)#\(connection)") {
                        logger.debug("\($0)")
                    }
                }
            }
            // A synchronisation lists first what the selection says: each side sends it once connected.
            let firstListing = delete || rename ? nil : PerSide { selection.firstListRequest(for: $0) }
            try await IMAPEndpointConnector.withEndpoints(PerSide(local: configuration.local, remote: configuration.remote),
                                                          firstListing: firstListing, logger: imapLogger,
                                                          wireTraces: traces(1)) { endpoints in
                let database = try await opening.value
                let runner = SyncRunner(endpoints: PerSide(local: endpoints.local, remote: endpoints.remote), database: database,
                                        selection: selection, options: options,
                                        lanes: IMAPSyncLanes(PerSide(local: configuration.local, remote: configuration.remote),
                                                             maxLanes: connections, logger: imapLogger, wireTraces: traces))
                try await perform(runner, output: output, endpoints: endpoints)
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            output.finishProgress()
            throw CommandFailure(error)
        }
    }

    private func perform(_ runner: SyncRunner, output: SyncOutput, endpoints: PerSide<IMAPMailboxEndpoint>) async throws {
        if delete {
            output.lines(try await runner.delete(mailboxes, targets: try targets()))
            return
        }
        if rename {
            output.lines(try await runner.rename(mailboxes[0], to: mailboxes[1], targets: try targets()))
            return
        }
        if repair {
            let report = try await runner.repair()
            output.report(report)
            if !report.failed.isEmpty { throw ExitCode.failure }
            return
        }
        let waiter = SyncWaiter(endpoints: endpoints, notify: notify,
                                seconds: watch.map { $0 == SyncArguments.defaultWatch ? (notify ? 900 : 60) : $0 })
        while true {
            let report = try await runner.run()
            output.report(report)
            guard waiter.seconds != nil else {
                if !report.failed.isEmpty { throw ExitCode.failure }
                return
            }
            try await waiter.wait()
        }
    }
}

/// Arguments as interimap spells them that ArgumentParser cannot take as is.
enum SyncArguments {
    /// Stands for a bare `--watch` (interimap's optional value).
    static let defaultWatch = -1

    /// `imapctl sync … --watch …` → `--watch=-1`, so the next word stays a MAILBOX.
    static func normalise(_ arguments: [String]) -> [String] {
        guard arguments.first == "sync" else { return arguments }
        var seenEnd = false
        return arguments.map { word in
            if word == "--" { seenEnd = true }
            return !seenEnd && word == "--watch" ? "--watch=\(defaultWatch)" : word
        }
    }
}
