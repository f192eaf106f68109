import ArgumentParser
import Foundation
import Logging
import MailJobs
import MailStore

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: configs/imapworker.yaml if present).")
    var config: String?

    @Option(name: .long, help: "SQLite store file (overrides store.path).")
    var db: String?

    @Option(name: .long, help: "Key file sealing the stored secrets (overrides store.key_file; IMAPWORKER_STORE_KEY wins over both).")
    var keyFile: String?

    @Flag(name: .shortAndLong, help: "Quiet: print nothing but errors.")
    var quiet = false

    @Flag(name: .long, help: "Machine-readable JSON output on stdout.")
    var json = false

    @Option(name: .long, help: "Log level (trace, debug, info, notice, warning, error, critical).")
    var logLevel: String?

    func load() throws -> WorkerConfiguration {
        var configuration = try WorkerConfiguration.load(path: config)
        if let db { configuration.store.path = db }
        if let keyFile { configuration.store.keyFile = keyFile }
        if let logLevel { configuration.log.level = logLevel }
        return configuration
    }

    func makeLogger(_ configuration: WorkerConfiguration) throws -> Logger {
        let name = configuration.log.level.isEmpty ? "warning" : configuration.log.level.lowercased()
        guard let level = Logger.Level(rawValue: name) else {
            throw ValidationError("unknown log level \(configuration.log.level)")
        }
        var logger = Logger(label: "imapctl") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = quiet ? .error : level
        return logger
    }

    func openStore(_ configuration: WorkerConfiguration) throws -> MailStore {
        let path = configuration.store.path
        let keyFile = configuration.store.keyFile.isEmpty ? StoreKeySource.defaultKeyFile(forStore: path)
            : configuration.store.keyFile
        return try MailStore(path: path, options: .init(keySource: StoreKeySource(keyFile: keyFile)),
                             logger: makeLogger(configuration))
    }

    /// Prints `value` as one line of JSON on stdout.
    func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        FileHandle.standardOutput.write(try encoder.encode(value) + Data("\n".utf8))
    }
}
