import Credentials
import Foundation

/// A remote IMAP account that a user's mail is pulled from.
/// Its `password` is a `Secret`; `description` and `dump` never show it.
public struct RemoteIdentity: Sendable, Hashable, Codable, CustomStringConvertible, CustomDebugStringConvertible {
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        case active
        case inactive
    }

    public var id: UUID
    /// The local user the mail belongs to.
    public var userID: String
    /// `host:port` (`[v6-address]:port` for IPv6 literals).
    public var server: String
    public var login: String
    public var password: Secret?
    /// SASL mechanisms in order of preference.
    public var authMechanisms: [String]
    public var tls: TLSSettings
    /// Remote mailboxes to pull, by their decoded (Unicode) names.
    public var mailboxes: [String]
    public var status: Status
    /// When the last check (successful or not) ran.
    public var lastCheck: Date?
    /// Consecutive failed checks since the last success.
    public var errorCount: Int
    public var firstErrorAt: Date?
    public var lastErrorAt: Date?
    public var lastError: String?

    public static let defaultAuthMechanisms = ["PLAIN", "LOGIN"]
    public static let defaultMailboxes = ["INBOX"]

    public init(id: UUID = UUID(), userID: String, server: String, login: String, password: Secret? = nil,
                authMechanisms: [String] = RemoteIdentity.defaultAuthMechanisms, tls: TLSSettings = TLSSettings(),
                mailboxes: [String] = RemoteIdentity.defaultMailboxes, status: Status = .active,
                lastCheck: Date? = nil, errorCount: Int = 0, firstErrorAt: Date? = nil, lastErrorAt: Date? = nil,
                lastError: String? = nil) {
        self.id = id
        self.userID = userID
        self.server = server
        self.login = login
        self.password = password
        self.authMechanisms = authMechanisms
        self.tls = tls
        self.mailboxes = mailboxes
        self.status = status
        self.lastCheck = lastCheck
        self.errorCount = errorCount
        self.firstErrorAt = firstErrorAt
        self.lastErrorAt = lastErrorAt
        self.lastError = lastError
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

    public var description: String {
        var text = "RemoteIdentity(\(id.uuidString), user: \(userID), \(login)@\(server), password: "
        text += password == nil ? "none" : "<redacted>"
        text += ", \(tls.connection.rawValue), \(status.rawValue)"
        if errorCount > 0 { text += ", \(errorCount) errors" }
        return text + ")"
    }

    public var debugDescription: String {
        description.dropLast() + ", auth: \(authMechanisms), mailboxes: \(mailboxes), tls: \(tls)"
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
        }

        public var connection: Connection
        public var tunnelCommand: String?
        /// PEM file of the CAs to trust instead of the system store.
        public var caFile: String?
        /// `sha256$HEX` fingerprints of the certificate or its public key; empty: no pinning.
        public var pinnedFingerprints: [String]
        /// "1.2" or "1.3"; nil: the TLS library's default.
        public var minimumVersion: String?
        public var verifyPeer: Bool

        public init(connection: Connection = .imaps, tunnelCommand: String? = nil, caFile: String? = nil,
                    pinnedFingerprints: [String] = [], minimumVersion: String? = nil, verifyPeer: Bool = true) {
            self.connection = connection
            self.tunnelCommand = tunnelCommand
            self.caFile = caFile
            self.pinnedFingerprints = pinnedFingerprints
            self.minimumVersion = minimumVersion
            self.verifyPeer = verifyPeer
        }

        private enum CodingKeys: String, CodingKey {
            case connection, tunnelCommand, caFile, pinnedFingerprints, minimumVersion, verifyPeer
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            connection = try c.decodeIfPresent(Connection.self, forKey: .connection) ?? .imaps
            tunnelCommand = try c.decodeIfPresent(String.self, forKey: .tunnelCommand)
            caFile = try c.decodeIfPresent(String.self, forKey: .caFile)
            pinnedFingerprints = try c.decodeIfPresent([String].self, forKey: .pinnedFingerprints) ?? []
            minimumVersion = try c.decodeIfPresent(String.self, forKey: .minimumVersion)
            verifyPeer = try c.decodeIfPresent(Bool.self, forKey: .verifyPeer) ?? true
        }

        public var description: String {
            var parts = [connection.rawValue]
            if let tunnelCommand { parts.append("tunnel: \(tunnelCommand)") }
            if let caFile { parts.append("ca: \(caFile)") }
            if !pinnedFingerprints.isEmpty { parts.append("pins: \(pinnedFingerprints.count)") }
            if let minimumVersion { parts.append("min TLS \(minimumVersion)") }
            if !verifyPeer { parts.append("no verification") }
            return parts.joined(separator: ", ")
        }
    }
}
