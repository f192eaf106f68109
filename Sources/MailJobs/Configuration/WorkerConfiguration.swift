import Foundation
import Yams

/// The configuration file shared by `imapctl` and `imapworker` (configs/imapworker.yaml).
/// Every key is optional; unknown keys are an error, so a typo never silently falls back to a default.
public struct WorkerConfiguration: Sendable, Equatable {
    public var store = StoreSection()
    public var imap = IMAPSection()
    public var fetch = FetchSection()
    public var log = LogSection()
    public var identities = IdentitiesSection()

    public init() {}

    public struct StoreSection: Sendable, Equatable {
        public init() {}
        public var path = "data/imapworker.db"
        /// The key sealing the identities' secrets, when IMAPWORKER_STORE_KEY is not set.
        /// Empty: `PATH.key` beside the store.
        public var keyFile = ""
    }

    public struct IdentitiesSection: Sendable, Equatable {
        public init() {}
        /// An identity failing without a break for this long becomes inactive.
        public var deactivateAfterHours = 72
        /// How long a sync lock lasts without a refresh (its holder refreshes it at a third of that).
        public var syncLockSeconds = 300
    }

    public struct IMAPSection: Sendable, Equatable {
        public init() {}
        public var connection = "imaps"
        public var authMechanisms = ["PLAIN", "LOGIN"]
        /// Shell commands printing the password / the OAuth access token on their first line,
        /// run when no secret was given otherwise (mbsync's PassCmd). Empty: none.
        public var passwordCommand = ""
        public var oauthTokenCommand = ""
        public var secretCommandTimeoutSeconds = 60
        public var compress = false
        public var connectTimeoutSeconds = 30
        public var commandTimeoutSeconds = 120
        public var proxy = ""
        public var tls = TLSSection()
    }

    public struct TLSSection: Sendable, Equatable {
        public init() {}
        public var verify = true
        public var caFile = ""
        public var caPath = ""
        public var minVersion = "TLSv1.2"
        public var maxVersion = ""
        public var ciphers = ""
        public var fingerprints: [String] = []
    }

    public struct FetchSection: Sendable, Equatable {
        public init() {}
        public var batchMessages = 500
        public var batchBytes = 8 << 20
        public var uidsPerCommand = 500
        public var commandsInFlight = 2
    }

    public struct LogSection: Sendable, Equatable {
        public init() {}
        /// Empty: the program's own default (imapctl: warning, the daemon: info).
        public var level = ""
    }

    /// Reads `path`; a missing file at the default path gives the defaults.
    public static func load(path: String?) throws(ConfigurationError) -> WorkerConfiguration {
        let file = path ?? "configs/imapworker.yaml"
        guard FileManager.default.fileExists(atPath: file) else {
            if path == nil { return WorkerConfiguration() }
            throw .unreadable(file, "no such file")
        }
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw .unreadable(file, error.localizedDescription)
        }
        return try parse(yaml: text, source: file)
    }

    public static func parse(yaml: String, source: String = "configuration") throws(ConfigurationError) -> WorkerConfiguration {
        let node: Any?
        do { node = try Yams.load(yaml: yaml) } catch { throw .invalid(source, "not valid YAML: \(error)") }
        var config = WorkerConfiguration()
        guard let node else { return config }
        let reader = ConfigReader(source: source)
        let root = try reader.map(node, at: "")
        try reader.only(root, keys: ["store", "imap", "fetch", "log", "identities"], at: "")
        if let store = try reader.optionalMap(root["store"], at: "store") {
            try reader.only(store, keys: ["path", "key_file"], at: "store")
            try reader.set(&config.store.path, store["path"], at: "store.path")
            try reader.set(&config.store.keyFile, store["key_file"], at: "store.key_file")
        }
        if let identities = try reader.optionalMap(root["identities"], at: "identities") {
            try reader.only(identities, keys: ["deactivate_after_hours", "sync_lock_seconds"], at: "identities")
            try reader.set(&config.identities.deactivateAfterHours, identities["deactivate_after_hours"],
                           at: "identities.deactivate_after_hours", min: 1)
            try reader.set(&config.identities.syncLockSeconds, identities["sync_lock_seconds"],
                           at: "identities.sync_lock_seconds", min: 3)
        }
        if let imap = try reader.optionalMap(root["imap"], at: "imap") {
            try reader.only(imap, keys: ["connection", "auth_mechanisms", "password_command", "oauth_token_command",
                                         "secret_command_timeout_seconds", "compress", "connect_timeout_seconds",
                                         "command_timeout_seconds", "proxy", "tls"], at: "imap")
            try reader.set(&config.imap.connection, imap["connection"], at: "imap.connection")
            try reader.set(&config.imap.authMechanisms, imap["auth_mechanisms"], at: "imap.auth_mechanisms")
            try reader.set(&config.imap.passwordCommand, imap["password_command"], at: "imap.password_command")
            try reader.set(&config.imap.oauthTokenCommand, imap["oauth_token_command"], at: "imap.oauth_token_command")
            try reader.set(&config.imap.secretCommandTimeoutSeconds, imap["secret_command_timeout_seconds"],
                           at: "imap.secret_command_timeout_seconds", min: 1)
            try reader.set(&config.imap.compress, imap["compress"], at: "imap.compress")
            try reader.set(&config.imap.connectTimeoutSeconds, imap["connect_timeout_seconds"], at: "imap.connect_timeout_seconds")
            try reader.set(&config.imap.commandTimeoutSeconds, imap["command_timeout_seconds"], at: "imap.command_timeout_seconds")
            try reader.set(&config.imap.proxy, imap["proxy"], at: "imap.proxy")
            if let tls = try reader.optionalMap(imap["tls"], at: "imap.tls") {
                try reader.only(tls, keys: ["verify", "ca_file", "ca_path", "min_version", "max_version", "ciphers",
                                            "fingerprints"], at: "imap.tls")
                try reader.set(&config.imap.tls.verify, tls["verify"], at: "imap.tls.verify")
                try reader.set(&config.imap.tls.caFile, tls["ca_file"], at: "imap.tls.ca_file")
                try reader.set(&config.imap.tls.caPath, tls["ca_path"], at: "imap.tls.ca_path")
                try reader.set(&config.imap.tls.minVersion, tls["min_version"], at: "imap.tls.min_version")
                try reader.set(&config.imap.tls.maxVersion, tls["max_version"], at: "imap.tls.max_version")
                try reader.set(&config.imap.tls.ciphers, tls["ciphers"], at: "imap.tls.ciphers")
                try reader.set(&config.imap.tls.fingerprints, tls["fingerprints"], at: "imap.tls.fingerprints")
            }
        }
        if let fetch = try reader.optionalMap(root["fetch"], at: "fetch") {
            try reader.only(fetch, keys: ["batch_messages", "batch_bytes", "uids_per_command", "commands_in_flight"], at: "fetch")
            try reader.set(&config.fetch.batchMessages, fetch["batch_messages"], at: "fetch.batch_messages", min: 1)
            try reader.set(&config.fetch.batchBytes, fetch["batch_bytes"], at: "fetch.batch_bytes", min: 1)
            try reader.set(&config.fetch.uidsPerCommand, fetch["uids_per_command"], at: "fetch.uids_per_command", min: 1)
            try reader.set(&config.fetch.commandsInFlight, fetch["commands_in_flight"], at: "fetch.commands_in_flight", min: 1)
        }
        if let log = try reader.optionalMap(root["log"], at: "log") {
            try reader.only(log, keys: ["level"], at: "log")
            try reader.set(&config.log.level, log["level"], at: "log.level")
        }
        return config
    }
}

public enum ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(String, String)
    case invalid(String, String)

    public var description: String {
        switch self {
        case .unreadable(let file, let why): "cannot read configuration \(file): \(why)"
        case .invalid(let file, let why): "invalid configuration \(file): \(why)"
        }
    }
}

/// Typed access to the YAML tree with errors that name the key.
private struct ConfigReader {
    let source: String

    func map(_ node: Any, at key: String) throws(ConfigurationError) -> [String: Any] {
        guard let map = node as? [String: Any] else { throw .invalid(source, "\(key.isEmpty ? "top level" : key) must be a mapping") }
        return map
    }

    func optionalMap(_ node: Any?, at key: String) throws(ConfigurationError) -> [String: Any]? {
        guard let node, !(node is NSNull) else { return nil }
        return try map(node, at: key)
    }

    func only(_ map: [String: Any], keys: Set<String>, at key: String) throws(ConfigurationError) {
        if let unknown = map.keys.sorted().first(where: { !keys.contains($0) }) {
            throw .invalid(source, "unknown key \(key.isEmpty ? unknown : "\(key).\(unknown)")")
        }
    }

    func set(_ target: inout String, _ node: Any?, at key: String) throws(ConfigurationError) {
        guard let node, !(node is NSNull) else { return }
        switch node {
        case let s as String: target = s
        case let i as Int: target = String(i)
        default: throw .invalid(source, "\(key) must be a string")
        }
    }

    func set(_ target: inout Bool, _ node: Any?, at key: String) throws(ConfigurationError) {
        guard let node, !(node is NSNull) else { return }
        guard let b = node as? Bool else { throw .invalid(source, "\(key) must be true or false") }
        target = b
    }

    func set(_ target: inout Int, _ node: Any?, at key: String, min: Int = 0) throws(ConfigurationError) {
        guard let node, !(node is NSNull) else { return }
        guard let i = node as? Int, i >= min else { throw .invalid(source, "\(key) must be an integer ≥ \(min)") }
        target = i
    }

    func set(_ target: inout [String], _ node: Any?, at key: String) throws(ConfigurationError) {
        guard let node, !(node is NSNull) else { return }
        if let s = node as? String { target = s.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init); return }
        guard let list = node as? [Any] else { throw .invalid(source, "\(key) must be a list of strings") }
        var out: [String] = []
        for item in list {
            guard let s = item as? String else { throw .invalid(source, "\(key) must be a list of strings") }
            out.append(s)
        }
        target = out
    }
}
