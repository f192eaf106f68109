import Credentials
import Foundation

/// A remote IMAP account that a user's mail is pulled from: everything needed to connect to it
/// (the same settings `imapctl fullfetch` takes), its secrets, and its check history.
/// The secrets are `Secret`s, sealed in the store; `description` and `dump` never show them.
public struct RemoteIdentity: Sendable, Hashable, Codable, CustomStringConvertible, CustomDebugStringConvertible {
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        case active
        case inactive
    }

    public var id: UUID
    /// The local user the mail belongs to.
    public var userID: String
    /// `host:port` (`[v6-address]:port` for IPv6 literals); normalised by the store (see
    /// `NormalizedServer`). Empty for a tunnel that names no server.
    public var server: String
    public var login: String
    /// For PLAIN and LOGIN.
    public var password: Secret?
    /// For XOAUTH2 and OAUTHBEARER.
    public var oauthToken: Secret?
    /// Shell commands printing the password / token when none is stored (run before connecting).
    public var passwordCommand: String?
    public var oauthTokenCommand: String?
    /// SASL mechanisms in order of preference.
    public var authMechanisms: [String]
    public var tls: TLSSettings
    /// `socks5://…` / `socks5h://…`; nil: direct.
    public var proxy: String?
    /// Negotiate COMPRESS=DEFLATE when offered.
    public var compress: Bool
    /// Remote mailboxes to pull, by their decoded (Unicode) names.
    public var mailboxes: [String]
    public var status: Status
    /// Why the identity is inactive (set by the store when it failed for too long, or by the caller).
    public var inactiveReason: String?
    /// When the last check (successful or not) ran.
    public var lastCheck: Date?
    /// Consecutive failed checks since the last success.
    public var errorCount: Int
    public var firstErrorAt: Date?
    public var lastErrorAt: Date?
    public var lastError: String?
    /// Who syncs the identity now (read-only here: see `MailStore.acquireSyncLock`).
    public var syncLock: SyncLock?

    public static let defaultAuthMechanisms = ["PLAIN", "LOGIN"]
    public static let defaultMailboxes = ["INBOX"]

    public init(id: UUID = UUID(), userID: String, server: String, login: String, password: Secret? = nil,
                oauthToken: Secret? = nil, passwordCommand: String? = nil, oauthTokenCommand: String? = nil,
                authMechanisms: [String] = RemoteIdentity.defaultAuthMechanisms, tls: TLSSettings = TLSSettings(),
                proxy: String? = nil, compress: Bool = false,
                mailboxes: [String] = RemoteIdentity.defaultMailboxes, status: Status = .active,
                inactiveReason: String? = nil,
                lastCheck: Date? = nil, errorCount: Int = 0, firstErrorAt: Date? = nil, lastErrorAt: Date? = nil,
                lastError: String? = nil, syncLock: SyncLock? = nil) {
        self.id = id
        self.userID = userID
        self.server = server
        self.login = login
        self.password = password
        self.oauthToken = oauthToken
        self.passwordCommand = passwordCommand
        self.oauthTokenCommand = oauthTokenCommand
        self.authMechanisms = authMechanisms
        self.tls = tls
        self.proxy = proxy
        self.compress = compress
        self.mailboxes = mailboxes
        self.status = status
        self.inactiveReason = inactiveReason
        self.lastCheck = lastCheck
        self.errorCount = errorCount
        self.firstErrorAt = firstErrorAt
        self.lastErrorAt = lastErrorAt
        self.lastError = lastError
        self.syncLock = syncLock
    }

    /// The key messages fetched through this identity carry as `MessageOrigin.account`.
    public var accountKey: String { MessageOrigin.accountKey(login: login, server: server) }

    /// `server` split into host and port; nil when it has no valid port.
    public var hostAndPort: (host: String, port: Int)? {
        guard let colon = server.lastIndex(of: ":"), let port = Int(server[server.index(after: colon)...]),
              (1...65535).contains(port) else { return nil }
        var host = String(server[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }

    /// The health part of the identity, for `IdentityHealth`'s rules.
    public var health: IdentityHealth {
        get {
            IdentityHealth(status: status, inactiveReason: inactiveReason, lastCheck: lastCheck, errorCount: errorCount,
                           firstErrorAt: firstErrorAt, lastErrorAt: lastErrorAt, lastError: lastError)
        }
        set {
            status = newValue.status
            inactiveReason = newValue.inactiveReason
            lastCheck = newValue.lastCheck
            errorCount = newValue.errorCount
            firstErrorAt = newValue.firstErrorAt
            lastErrorAt = newValue.lastErrorAt
            lastError = newValue.lastError
        }
    }

    public var description: String {
        var text = "RemoteIdentity(\(id.uuidString), user: \(userID), \(login)@\(server), password: "
        text += password == nil ? "none" : "<redacted>"
        if oauthToken != nil { text += ", oauth token: <redacted>" }
        text += ", \(tls.connection.rawValue), \(status.rawValue)"
        if errorCount > 0 { text += ", \(errorCount) errors" }
        return text + ")"
    }

    public var debugDescription: String {
        description.dropLast() + ", auth: \(authMechanisms), mailboxes: \(mailboxes), tls: \(tls)"
            + ", proxy: \(proxy == nil ? "none" : "set"), compress: \(compress)"
            + ", lastCheck: \(lastCheck.map { "\($0)" } ?? "never"), lastError: \(lastError ?? "none"))"
    }
}

extension RemoteIdentity {
    /// How to reach the server and what to trust. Stored as one JSON column; unknown or missing
    /// keys decode to their defaults so that later versions can add settings.
    public struct TLSSettings: Sendable, Hashable, Codable, CustomStringConvertible {
        public enum Connection: String, Sendable, Hashable, Codable, CaseIterable {
            /// TLS from the first byte (port 993).
            case imaps
            /// Plain connection upgraded with STARTTLS (port 143).
            case starttls
            /// No TLS at all (tests, loopback).
            case plain
            /// IMAP over the stdin/stdout of `tunnelCommand` (e.g. `ssh host imapd`).
            case tunnel

            /// The configuration's spellings, aliases included (`imap`, `tls`, `imap-plain`).
            public init?(parsing name: String) {
                switch name.lowercased() {
                case "imaps", "tls": self = .imaps
                case "starttls", "imap": self = .starttls
                case "plain", "imap-plain": self = .plain
                case "tunnel": self = .tunnel
                default: return nil
                }
            }
        }

        public var connection: Connection
        public var tunnelCommand: String?
        /// PEM file of the CAs to trust instead of the system store.
        public var caFile: String?
        /// Directory of CAs in OpenSSL's hashed format.
        public var caPath: String?
        /// `sha256$HEX` fingerprints of the certificate or its public key; empty: no pinning.
        public var pinnedFingerprints: [String]
        /// As configured ("TLSv1.2", "TLSv1.3"); nil: the TLS library's default.
        public var minimumVersion: String?
        public var maximumVersion: String?
        /// OpenSSL cipher list (TLS ≤ 1.2); nil: the library's default.
        public var ciphers: String?
        /// The name sent in SNI and checked in the certificate; nil: the server's host.
        public var serverName: String?
        public var verifyPeer: Bool

        public init(connection: Connection = .imaps, tunnelCommand: String? = nil, caFile: String? = nil,
                    caPath: String? = nil, pinnedFingerprints: [String] = [], minimumVersion: String? = nil,
                    maximumVersion: String? = nil, ciphers: String? = nil, serverName: String? = nil,
                    verifyPeer: Bool = true) {
            self.connection = connection
            self.tunnelCommand = tunnelCommand
            self.caFile = caFile
            self.caPath = caPath
            self.pinnedFingerprints = pinnedFingerprints
            self.minimumVersion = minimumVersion
            self.maximumVersion = maximumVersion
            self.ciphers = ciphers
            self.serverName = serverName
            self.verifyPeer = verifyPeer
        }

        private enum CodingKeys: String, CodingKey {
            case connection, tunnelCommand, caFile, caPath, pinnedFingerprints, minimumVersion, maximumVersion, ciphers
            case serverName, verifyPeer
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            connection = try c.decodeIfPresent(Connection.self, forKey: .connection) ?? .imaps
            tunnelCommand = try c.decodeIfPresent(String.self, forKey: .tunnelCommand)
            caFile = try c.decodeIfPresent(String.self, forKey: .caFile)
            caPath = try c.decodeIfPresent(String.self, forKey: .caPath)
            pinnedFingerprints = try c.decodeIfPresent([String].self, forKey: .pinnedFingerprints) ?? []
            minimumVersion = try c.decodeIfPresent(String.self, forKey: .minimumVersion)
            maximumVersion = try c.decodeIfPresent(String.self, forKey: .maximumVersion)
            ciphers = try c.decodeIfPresent(String.self, forKey: .ciphers)
            serverName = try c.decodeIfPresent(String.self, forKey: .serverName)
            verifyPeer = try c.decodeIfPresent(Bool.self, forKey: .verifyPeer) ?? true
        }

        public var description: String {
            var parts = [connection.rawValue]
            if let tunnelCommand { parts.append("tunnel: \(tunnelCommand)") }
            if let caFile { parts.append("ca: \(caFile)") }
            if let caPath { parts.append("ca path: \(caPath)") }
            if !pinnedFingerprints.isEmpty { parts.append("pins: \(pinnedFingerprints.count)") }
            if let minimumVersion { parts.append("min TLS \(minimumVersion)") }
            if let maximumVersion { parts.append("max TLS \(maximumVersion)") }
            if let ciphers { parts.append("ciphers: \(ciphers)") }
            if let serverName { parts.append("server name: \(serverName)") }
            if !verifyPeer { parts.append("no verification") }
            return parts.joined(separator: ", ")
        }
    }
}
