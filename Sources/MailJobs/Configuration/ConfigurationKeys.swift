import Foundation
import Yams

/// Every configuration key, with how it is read. The one list behind the YAML reader (unknown
/// keys are errors) and the environment overrides (`IMAPWORKER_` + path, dots and dashes as `_`).
public enum ConfigurationKeys {
    struct Key: Sendable {
        let path: String
        let apply: @Sendable (inout WorkerConfiguration, Any, String, ValueReader) throws(ConfigurationError) -> Void
    }

    typealias Config = WorkerConfiguration

    static let all: [Key] = [
        string("store.path", \.store.path),
        string("store.key_file", \.store.keyFile),
        int("identities.deactivate_after_hours", \.identities.deactivateAfterHours, min: 1),
        int("identities.sync_lock_seconds", \.identities.syncLockSeconds, min: 3),
        string("imap.connection", \.imap.connection),
        strings("imap.auth_mechanisms", \.imap.authMechanisms),
        string("imap.password_command", \.imap.passwordCommand),
        string("imap.oauth_token_command", \.imap.oauthTokenCommand),
        int("imap.secret_command_timeout_seconds", \.imap.secretCommandTimeoutSeconds, min: 1),
        bool("imap.compress", \.imap.compress),
        int("imap.connect_timeout_seconds", \.imap.connectTimeoutSeconds),
        int("imap.command_timeout_seconds", \.imap.commandTimeoutSeconds),
        string("imap.proxy", \.imap.proxy),
        bool("imap.tls.verify", \.imap.tls.verify),
        string("imap.tls.ca_file", \.imap.tls.caFile),
        string("imap.tls.ca_path", \.imap.tls.caPath),
        string("imap.tls.min_version", \.imap.tls.minVersion),
        string("imap.tls.max_version", \.imap.tls.maxVersion),
        string("imap.tls.ciphers", \.imap.tls.ciphers),
        strings("imap.tls.fingerprints", \.imap.tls.fingerprints),
        int("fetch.batch_messages", \.fetch.batchMessages, min: 1),
        int("fetch.batch_bytes", \.fetch.batchBytes, min: 1),
        int("fetch.uids_per_command", \.fetch.uidsPerCommand, min: 1),
        int("fetch.commands_in_flight", \.fetch.commandsInFlight, min: 1),
        int("sync.connections", \.sync.connections, min: 1),
        string("log.level", \.log.level),
        string("log.format", \.log.format, oneOf: ["human", "json"]),
        int("workers", \.workers, min: 1),
        string("worker.id", \.worker.id),
        int("worker.job_timeout_seconds", \.worker.jobTimeoutSeconds, min: 1),
        int("worker.shutdown_grace_seconds", \.worker.shutdownGraceSeconds),
        int("worker.max_order_bytes", \.worker.maxOrderBytes, min: 64),
        int("worker.queue_limit", \.worker.queueLimit, min: 1),
        int("worker.progress_interval_seconds", \.worker.progressIntervalSeconds, min: 1),
        int("worker.retry.max_attempts", \.worker.retry.maxAttempts, min: 1),
        int("worker.retry.initial_backoff_ms", \.worker.retry.initialBackoffMilliseconds),
        int("worker.retry.max_backoff_ms", \.worker.retry.maxBackoffMilliseconds),
        string("nats.url", \.nats.url),
        string("nats.orders_subject", \.nats.ordersSubject),
        string("nats.queue_group", \.nats.queueGroup),
        string("nats.events_subject", \.nats.eventsSubject),
        string("nats.status_subject", \.nats.statusSubject),
        int("nats.queue_limit", \.nats.queueLimit, min: 0),
        bool("poller.enabled", \.poller.enabled),
        string("poller.subject", \.poller.subject),
        int("poller.interval_seconds", \.poller.intervalSeconds, min: 1),
        string("redis.url", \.redis.url),
        string("redis.stream", \.redis.stream),
        string("redis.group", \.redis.group),
        string("redis.consumer", \.redis.consumer),
        string("redis.events_stream", \.redis.eventsStream),
        string("redis.dead_letter_stream", \.redis.deadLetterStream),
        string("redis.status_stream", \.redis.statusStream),
        string("redis.group_start_id", \.redis.groupStartID),
        int("redis.claim_idle_seconds", \.redis.claimIdleSeconds, min: 1),
        int("redis.max_deliveries", \.redis.maxDeliveries, min: 1),
        int("metrics.port", \.metrics.port),
        string("metrics.host", \.metrics.host),
        bool("message_events.enabled", \.messageEvents.enabled),
        string("message_events.nats_subject", \.messageEvents.natsSubject),
        string("message_events.redis_stream", \.messageEvents.redisStream),
        string("local_account.type", \.localAccount.type, oneOf: WorkerConfiguration.LocalAccountSection.types),
        string("local_account.command", \.localAccount.command),
        string("local_account.host", \.localAccount.host),
        int("local_account.port", \.localAccount.port),
        string("local_account.username", \.localAccount.username),
        string("local_account.password", \.localAccount.password),
        string("local_account.password_command", \.localAccount.passwordCommand),
        int("scheduler.poll_interval_seconds", \.scheduler.pollIntervalSeconds, min: 0),
        int("scheduler.max_in_flight", \.scheduler.maxInFlight, min: 1),
        bool("push.enabled", \.push.enabled),
        int("push.max_connections", \.push.maxConnections, min: 0),
    ]

    /// Key paths in file order, for documentation checks.
    public static var paths: [String] { all.map(\.path) }

    /// The environment variable that overrides `path`.
    public static func environmentVariable(for path: String) -> String {
        "IMAPWORKER_" + path.uppercased().map { $0 == "." || $0 == "-" ? "_" : $0 }.map(String.init).joined()
    }

    private static let byPath: [String: Key] = Dictionary(uniqueKeysWithValues: all.map { ($0.path, $0) })
    private static let sections: Set<String> = Set(all.flatMap { key in
        let parts = key.path.split(separator: ".")
        return (1..<max(parts.count, 1)).map { parts[..<$0].joined(separator: ".") }
    })

    static func apply(tree: Any, to config: inout WorkerConfiguration, source: String) throws(ConfigurationError) {
        try walk(tree, prefix: "", into: &config, reader: ValueReader(source: source))
    }

    private static func walk(_ node: Any, prefix: String, into config: inout WorkerConfiguration,
                             reader: ValueReader) throws(ConfigurationError) {
        guard let map = node as? [String: Any] else {
            throw .invalid(reader.source, "\(prefix.isEmpty ? "top level" : prefix) must be a mapping")
        }
        for name in map.keys.sorted() {
            let path = prefix.isEmpty ? name : "\(prefix).\(name)"
            guard let value = map[name], !(value is NSNull) else {
                guard byPath[path] != nil || sections.contains(path) else { throw .invalid(reader.source, "unknown key \(path)") }
                continue
            }
            if let key = byPath[path] {
                try key.apply(&config, value, path, reader)
            } else if sections.contains(path) {
                try walk(value, prefix: path, into: &config, reader: reader)
            } else {
                throw .invalid(reader.source, "unknown key \(path)")
            }
        }
    }

    /// Environment values are YAML scalars (`8`, `true`, `[PLAIN, LOGIN]`); strings are taken verbatim.
    static func applyEnvironment(_ environment: [String: String], to config: inout WorkerConfiguration)
        throws(ConfigurationError)
    {
        for key in all {
            let variable = environmentVariable(for: key.path)
            guard let text = environment[variable] else { continue }
            let reader = ValueReader(source: "environment", rawStrings: true)
            try key.apply(&config, text, "\(variable) (\(key.path))", reader)
        }
    }

    // MARK: - Key constructors

    private static func string(_ path: String, _ target: any WritableKeyPath<Config, String> & Sendable,
                               oneOf allowed: [String]? = nil) -> Key {
        Key(path: path) { config, node, name, reader throws(ConfigurationError) in
            let value = try reader.string(node, at: name)
            if let allowed, !allowed.contains(value) {
                throw .invalid(reader.source, "\(name) must be one of \(allowed.joined(separator: ", "))")
            }
            config[keyPath: target] = value
        }
    }

    private static func strings(_ path: String, _ target: any WritableKeyPath<Config, [String]> & Sendable) -> Key {
        Key(path: path) { config, node, name, reader throws(ConfigurationError) in
            config[keyPath: target] = try reader.strings(node, at: name)
        }
    }

    private static func bool(_ path: String, _ target: any WritableKeyPath<Config, Bool> & Sendable) -> Key {
        Key(path: path) { config, node, name, reader throws(ConfigurationError) in
            config[keyPath: target] = try reader.bool(node, at: name)
        }
    }

    private static func int(_ path: String, _ target: any WritableKeyPath<Config, Int> & Sendable, min: Int = 0) -> Key {
        Key(path: path) { config, node, name, reader throws(ConfigurationError) in
            config[keyPath: target] = try reader.int(node, at: name, min: min)
        }
    }
}

/// Typed reading of one value, with errors that name the key.
struct ValueReader: Sendable {
    let source: String
    /// Values from the environment: text that YAML-decodes for numbers, booleans and lists.
    var rawStrings = false

    private func scalar(_ node: Any) -> Any {
        guard rawStrings, let text = node as? String else { return node }
        return (try? Yams.load(yaml: text)).flatMap { $0 } ?? text
    }

    func string(_ node: Any, at key: String) throws(ConfigurationError) -> String {
        if rawStrings, let text = node as? String { return text }
        switch node {
        case let s as String: return s
        case let i as Int: return String(i)
        default: throw .invalid(source, "\(key) must be a string")
        }
    }

    func bool(_ node: Any, at key: String) throws(ConfigurationError) -> Bool {
        guard let b = scalar(node) as? Bool else { throw .invalid(source, "\(key) must be true or false") }
        return b
    }

    func int(_ node: Any, at key: String, min: Int) throws(ConfigurationError) -> Int {
        guard let i = scalar(node) as? Int, i >= min else { throw .invalid(source, "\(key) must be an integer ≥ \(min)") }
        return i
    }

    func strings(_ node: Any, at key: String) throws(ConfigurationError) -> [String] {
        let value = scalar(node)
        if let s = value as? String { return s.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init) }
        guard let list = value as? [Any] else { throw .invalid(source, "\(key) must be a list of strings") }
        var out: [String] = []
        for item in list {
            guard let s = item as? String else { throw .invalid(source, "\(key) must be a list of strings") }
            out.append(s)
        }
        return out
    }
}
