import Foundation
import Yams

/// The configuration file shared by `imapctl` and `imapworker` (configs/imapworker.yaml).
/// Every key is optional; unknown keys are an error, so a typo never silently falls back to a default.
/// Every key can also be set by an environment variable (`IMAPWORKER_` + the key path in capitals).
public struct WorkerConfiguration: Sendable, Equatable {
    public var store = StoreSection()
    public var imap = IMAPSection()
    public var fetch = FetchSection()
    public var sync = SyncSection()
    public var log = LogSection()
    public var identities = IdentitiesSection()
    /// Jobs run at the same time by the daemon.
    public var workers = 4
    public var worker = WorkerSection()
    public var nats = NATSSection()
    public var poller = PollerSection()
    public var redis = RedisSection()
    public var metrics = MetricsSection()
    public var messageEvents = MessageEventsSection()
    public var localAccount = LocalAccountSection()
    public var scheduler = SchedulerSection()
    public var push = PushSection()

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

    public struct SyncSection: Sendable, Equatable {
        public init() {}
        /// Connections a `syncremote` or `sync` order opens to each account at most: its
        /// mailboxes are synchronised side by side, as many as the work pays for (docs/sync.md, "Lanes").
        public var connections = 3
    }

    public struct LogSection: Sendable, Equatable {
        public init() {}
        /// Empty: the program's own default (imapctl: warning, the daemon: info).
        public var level = ""
        /// `human` (one readable line per entry) or `json` (one JSON object per line).
        public var format = "human"
    }

    /// Reads `path`, then applies `IMAPWORKER_…` environment overrides (see `ConfigurationKeys`).
    /// A missing file at the default path gives the defaults (still overridden by the environment).
    public static func load(path: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ConfigurationError) -> WorkerConfiguration
    {
        let file = path ?? "configs/imapworker.yaml"
        guard FileManager.default.fileExists(atPath: file) else {
            if path == nil { return try parse(yaml: "", environment: environment) }
            throw .unreadable(file, "no such file")
        }
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw .unreadable(file, error.localizedDescription)
        }
        return try parse(yaml: text, source: file, environment: environment)
    }

    /// Parses `yaml` (every key checked against `ConfigurationKeys.all`), then the environment.
    public static func parse(yaml: String, source: String = "configuration", environment: [String: String] = [:])
        throws(ConfigurationError) -> WorkerConfiguration
    {
        let node: Any?
        do { node = try Yams.load(yaml: yaml) } catch { throw .invalid(source, "not valid YAML: \(error)") }
        var config = WorkerConfiguration()
        if let node, !(node is NSNull) {
            try ConfigurationKeys.apply(tree: node, to: &config, source: source)
        }
        try ConfigurationKeys.applyEnvironment(environment, to: &config)
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

