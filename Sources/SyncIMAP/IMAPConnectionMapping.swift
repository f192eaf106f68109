import Credentials
import Foundation
import IMAPClient
import OpenSSLKit
import SyncEngine
#if canImport(Glibc)
import Glibc
#endif

/// A key of a `[local]` / `[remote]` section that this client cannot honour as written.
public struct IMAPConnectionSettingsError: Error, Hashable, Sendable, CustomStringConvertible {
    public var side: Side
    public var key: String
    public var reason: String

    public init(side: Side, key: String, reason: String) {
        self.side = side
        self.key = key
        self.reason = reason
    }

    public var description: String { "[\(side)] \(key): \(reason)" }
}

/// InterIMAP's `[local]` / `[remote]` keys → the IMAP client's configuration. Every key is either
/// honoured or refused with an ``IMAPConnectionSettingsError``; none is silently ignored. Secret
/// commands (`x-password-command`, `x-oauth-token-command`) run here.
public enum IMAPConnectionMapping {
    public static func configuration(for settings: ConnectionSettings, side: Side,
                                     runSecretCommands: Bool = true) throws -> IMAPClientConfiguration {
        func fail(_ key: String, _ reason: String) -> IMAPConnectionSettingsError {
            IMAPConnectionSettingsError(side: side, key: key, reason: reason)
        }
        let kind: ConnectionKind
        switch settings.type {
        case .imaps: kind = .imaps
        case .imap: kind = settings.startTLS ? .starttls(required: true) : .plain
        case .tunnel:
            guard let command = settings.command, !command.isEmpty else { throw fail("command", "type = tunnel needs a command") }
            kind = .tunnel(command: tunnelArguments(command), nullStderr: settings.nullStderr)
        }
        if settings.type != .tunnel {
            if settings.command != nil { throw fail("command", "only used with type = tunnel") }
            if settings.nullStderr { throw fail("null-stderr", "only used with type = tunnel") }
        } else {
            if settings.port != nil { throw fail("port", "not used with type = tunnel") }
            if settings.proxy != nil { throw fail("proxy", "not used with type = tunnel") }
        }
        let usesTLS = settings.type == .imaps || (settings.type == .imap && settings.startTLS)
        if !usesTLS { try refuseTLSKeys(settings, fail) }

        let host = hostName(settings.host)
        let defaultPort = settings.type == .imaps ? 993 : 143
        let port = try settings.port.map { try portNumber($0, fail) } ?? defaultPort
        var configuration = IMAPClientConfiguration(server: ServerAddress(host: host, port: port), kind: kind)
        configuration.tls = try tlsConfiguration(settings, fail)
        if let name = settings.sslHostname {
            if name.isEmpty, settings.sslVerify {
                // Our TLS checks the certificate against the SNI name: without one it could not check it.
                throw fail("SSL_hostname", "an empty SSL_hostname (no SNI) is only supported with SSL_verify = NO")
            }
            configuration.tlsServerName = name
        }
        if let proxy = settings.proxy {
            configuration.proxy = ProxyConfiguration(
                address: ServerAddress(host: hostName(proxy.host), port: try portNumber(proxy.port, { fail("proxy", $1) })),
                remoteResolution: proxy.scheme == .socks5h, username: proxy.username,
                password: proxy.password.map { Secret($0.value) })
        }
        configuration.username = settings.username ?? ""
        configuration.compress = settings.compress
        configuration.enableQResync = true
        // A no-op `imapctl sync` is mostly the sessions' set-up: no round trip of its own for
        // ENABLE or LOGOUT.
        configuration.pipelinesSetUp = true

        var mechanisms: [AuthMechanism] = []
        for name in settings.authMechanisms {
            guard let mechanism = AuthMechanism(rawValue: name.uppercased()) else {
                throw fail("auth", "unsupported mechanism \(name) (supported: \(AuthMechanism.allCases.map(\.rawValue).joined(separator: " ")))")
            }
            mechanisms.append(mechanism)
        }
        if settings.password != nil, settings.passwordCommand != nil {
            throw fail("x-password-command", "give either password or x-password-command, not both")
        }
        if let password = settings.password { configuration.password = Secret(password.value) }
        if let command = settings.oauthTokenCommand {
            // The token replaces the password: OAuth mechanisms first (those listed in `auth`, else both).
            let listed = mechanisms.filter { $0.credential == .oauthToken }
            mechanisms = listed.isEmpty ? [.oauthBearer, .xoauth2] : listed
            if runSecretCommands {
                configuration.oauthToken = try SecretCommand(command, purpose: "[\(side)] x-oauth-token-command").run()
            }
        }
        if let command = settings.passwordCommand, runSecretCommands {
            configuration.password = try SecretCommand(command, purpose: "[\(side)] x-password-command").run()
        }
        guard !mechanisms.isEmpty else { throw fail("auth", "no mechanism given") }
        configuration.authMechanisms = mechanisms
        return configuration
    }

    /// `host:port`, or the tunnel's command, for messages (never a credential).
    public static func serverDescription(_ settings: ConnectionSettings) -> String {
        switch settings.type {
        case .tunnel: "tunnel"
        case .imap, .imaps: "\(settings.host)\(settings.port.map { ":\($0)" } ?? "")"
        }
    }

    /// interimap runs the command directly when it is plain words, else through `/bin/sh -c`.
    static func tunnelArguments(_ command: String) -> [String] {
        let plain = command.unicodeScalars.allSatisfy { scalar in
            CharacterSet.alphanumerics.contains(scalar) || " \t-@_./".unicodeScalars.contains(scalar)
        }
        guard plain else { return ["/bin/sh", "-c", command] }
        return command.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    }

    /// `[IP]` → `IP`.
    static func hostName(_ host: String) -> String {
        host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }

    static func portNumber(_ text: String, _ fail: (String, String) -> IMAPConnectionSettingsError) throws -> Int {
        if let number = Int(text) {
            guard (1...65535).contains(number) else { throw fail("port", "\(text) is not a TCP port") }
            return number
        }
        guard let entry = getservbyname(text, "tcp") else { throw fail("port", "unknown service \(text)") }
        return Int(UInt16(bigEndian: UInt16(truncatingIfNeeded: entry.pointee.s_port)))
    }

    private static func refuseTLSKeys(_ settings: ConnectionSettings,
                                      _ fail: (String, String) -> IMAPConnectionSettingsError) throws {
        let reason = "TLS is not used on this connection (type = \(settings.type.rawValue)\(settings.type == .imap ? ", STARTTLS = NO" : ""))"
        if settings.sslProtocols != nil { throw fail("SSL_protocols", reason) }
        if settings.sslProtocolMin != nil { throw fail("SSL_protocol_min", reason) }
        if settings.sslProtocolMax != nil { throw fail("SSL_protocol_max", reason) }
        if settings.sslCipherList != nil { throw fail("SSL_cipherlist", reason) }
        if settings.sslCipherSuites != nil { throw fail("SSL_ciphersuites", reason) }
        if !settings.sslFingerprints.isEmpty { throw fail("SSL_fingerprint", reason) }
        if settings.sslHostname != nil { throw fail("SSL_hostname", reason) }
        if settings.sslCAFile != nil { throw fail("SSL_CAfile", reason) }
        if settings.sslCAPath != nil { throw fail("SSL_CApath", reason) }
    }

    private static func tlsConfiguration(_ settings: ConnectionSettings,
                                         _ fail: (String, String) -> IMAPConnectionSettingsError) throws -> TLSConfiguration {
        var tls = TLSConfiguration()
        tls.verifyPeer = settings.sslVerify
        tls.caFile = settings.sslCAFile
        tls.caDirectory = settings.sslCAPath
        tls.cipherList = settings.sslCipherList
        tls.cipherSuites = settings.sslCipherSuites
        func version(_ key: String, _ text: String) throws -> TLSVersion {
            guard let version = TLSVersion(string: text) else { throw fail(key, "unsupported protocol version \(text)") }
            return version
        }
        if let text = settings.sslProtocolMin { tls.minimumVersion = try version("SSL_protocol_min", text) }
        if let text = settings.sslProtocolMax { tls.maximumVersion = try version("SSL_protocol_max", text) }
        if let list = settings.sslProtocols {
            guard settings.sslProtocolMin == nil, settings.sslProtocolMax == nil else {
                throw fail("SSL_protocols", "give either SSL_protocols or SSL_protocol_min/max, not both")
            }
            (tls.minimumVersion, tls.maximumVersion) = try protocolBounds(list, { fail("SSL_protocols", $0) })
        }
        for fingerprint in settings.sslFingerprints {
            guard fingerprint.algorithm.lowercased() == "sha256" else {
                throw fail("SSL_fingerprint", "only sha256 fingerprints are supported (got \(fingerprint.algorithm))")
            }
            tls.pinnedFingerprints.append("sha256$" + fingerprint.digest)
        }
        return tls
    }

    /// The deprecated `SSL_protocols` list (`!SSLv3 !TLSv1 TLSv1.2 …`) as a contiguous range.
    static func protocolBounds(_ list: [String], _ fail: (String) -> IMAPConnectionSettingsError) throws
        -> (TLSVersion?, TLSVersion?) {
        let all = TLSVersion.allCases
        var enabled = Set(all)
        var positives: Set<TLSVersion> = []
        for item in list {
            let negated = item.hasPrefix("!")
            let name = negated ? String(item.dropFirst()) : item
            if name.uppercased().hasPrefix("SSLV") {
                if negated { continue }  // SSLv2/SSLv3 are never offered
                throw fail("\(name) is not supported")
            }
            guard let version = TLSVersion(string: name) else { throw fail("unknown protocol \(name)") }
            if negated { enabled.remove(version) } else { positives.insert(version) }
        }
        if !positives.isEmpty { enabled.formIntersection(positives) }
        let chosen = all.filter { enabled.contains($0) }
        guard let low = chosen.first, let high = chosen.last else { throw fail("every protocol version is disabled") }
        guard chosen.count == (all.firstIndex(of: high) ?? 0) - (all.firstIndex(of: low) ?? 0) + 1 else {
            throw fail("the enabled versions must be contiguous (from a minimum to a maximum)")
        }
        return (low == all.first ? nil : low, high == all.last ? nil : high)
    }
}
