/// Turns an ``INIDocument`` into an ``InterIMAPConfiguration`` with InterIMAP's rules: the
/// default section's keys apply to `[local]` and `[remote]` unless they set them again; every
/// key is known in every section (interimap validates them all against one table).
struct InterIMAPConfigurationReader {
    let document: INIDocument
    let file: String
    private var warnings: [String] = []

    init(document: INIDocument, file: String) {
        self.document = document
        self.file = file
    }

    private typealias Rules = InterIMAPValueRules

    /// Keys interimap only reads from the default section.
    private static let globalKeys: [String: InterIMAPValueRules.Rule] = [
        "database": Rules.text, "logfile": Rules.absolutePath, "log-prefix": Rules.optionalText,
        "list-mailbox": Rules.nonEmptyTextChars, "list-select-opts": Rules.selectOptions,
        "ignore-mailbox": Rules.nonEmptyTextChars,
    ]

    private static let connectionKeys: [String: InterIMAPValueRules.Rule] = [
        "host": Rules.text, "port": Rules.text, "proxy": Rules.text, "type": Rules.type,
        "STARTTLS": Rules.yesNo, "username": Rules.ascii, "password": Rules.ascii, "auth": Rules.atoms,
        "command": Rules.text, "null-stderr": Rules.yesNo, "compress": Rules.yesNo,
        "list-reference": Rules.textChars,
        "SSL_protocols": Rules.sslProtocols, "SSL_protocol_min": Rules.sslVersion, "SSL_protocol_max": Rules.sslVersion,
        "SSL_fingerprint": Rules.fingerprints, "SSL_cipherlist": Rules.text, "SSL_ciphersuites": Rules.optionalText,
        "SSL_hostname": Rules.optionalText, "SSL_verify": Rules.yesNo, "SSL_CApath": Rules.text, "SSL_CAfile": Rules.text,
        // ours
        "x-password-command": Rules.text, "x-oauth-token-command": Rules.text,
    ]

    mutating func read() throws(InterIMAPConfigurationError) -> InterIMAPConfiguration {
        let defaults = document.sections[INIDocument.defaultSection] ?? [:]
        try validate(defaults, section: INIDocument.defaultSection)
        for name in document.sections.keys.sorted() where ![INIDocument.defaultSection, "local", "remote"].contains(name) {
            warnings.append("\(file): section [\(name)] is ignored")
        }
        let local = try connection(.local, defaults: defaults)
        let remote = try connection(.remote, defaults: defaults)

        var configuration = InterIMAPConfiguration(
            database: defaults["database"]?.value ?? remote.host + ".db", local: local, remote: remote)
        configuration.logfile = defaults["logfile"]?.value
        configuration.logPrefix = defaults["log-prefix"]?.value
        if let entry = defaults["list-mailbox"] {
            guard let patterns = ListMailboxPatterns.parse(entry.value) else {
                throw error(entry, section: INIDocument.defaultSection, key: "list-mailbox",
                            expected: "mailbox patterns separated by blanks, quoted when they hold special characters")
            }
            configuration.listMailbox = patterns
        }
        if let entry = defaults["list-select-opts"], !entry.value.isEmpty {
            configuration.listSelectOptions = entry.value.uppercased().split(separator: " ").map(String.init)
        }
        if let entry = defaults["ignore-mailbox"] {
            guard (try? Regex(entry.value)) != nil else {
                throw error(entry, section: INIDocument.defaultSection, key: "ignore-mailbox", expected: "a regular expression")
            }
            configuration.ignoreMailbox = entry.value
        }
        configuration.warnings = warnings
        return configuration
    }

    private mutating func connection(_ side: Side, defaults: [String: INIDocument.Entry])
        throws(InterIMAPConfigurationError) -> ConnectionSettings {
        let name = side.rawValue
        guard let own = document.sections[name] else {
            throw InterIMAPConfigurationError(file: file, section: name, problem: .missingSection)
        }
        try validate(own, section: name)
        for key in own.keys.sorted() where Self.globalKeys[key] != nil {
            warnings.append("\(file):\(own[key]?.line ?? 0): [\(name)] \(key) is only read from the default section")
        }
        // Where each effective value was written, for errors that depend on several keys.
        var entries = defaults.filter { Self.connectionKeys[$0.key] != nil }
        var sectionOf = entries.mapValues { _ in INIDocument.defaultSection }
        for (key, entry) in own where Self.connectionKeys[key] != nil {
            entries[key] = entry
            sectionOf[key] = name
        }
        func value(_ key: String) -> String? { entries[key]?.value }
        func flag(_ key: String) -> Bool? { value(key).map { $0.uppercased() == "YES" } }

        var settings = ConnectionSettings(side: side)
        if let type = value("type").flatMap(ConnectionSettings.ConnectionType.init(rawValue:)) { settings.type = type }
        settings.host = value("host") ?? settings.host
        settings.port = value("port") ?? (settings.type == .imaps ? "993" : settings.type == .imap ? "143" : nil)
        settings.command = value("command")
        if settings.type == .tunnel, settings.command == nil {
            throw InterIMAPConfigurationError(file: file, line: document.sectionLines[name], section: name, key: "command",
                                              problem: .missingKey)
        }
        if let entry = entries["proxy"] {
            guard let proxy = Self.parseProxy(entry.value) else {
                throw error(entry, section: sectionOf["proxy"] ?? name, key: "proxy",
                            expected: "socks5://[USER:PASSWORD@]HOST[:PORT] or socks5h://…")
            }
            settings.proxy = proxy
        }
        settings.startTLS = flag("STARTTLS") ?? settings.startTLS
        settings.authMechanisms = value("auth").map { $0.split(separator: " ").map(String.init) } ?? settings.authMechanisms
        settings.username = value("username")
        settings.password = value("password").map(ConfigurationSecret.init)
        settings.compress = flag("compress") ?? settings.compress
        settings.nullStderr = flag("null-stderr") ?? settings.nullStderr
        settings.listReference = value("list-reference") ?? ""
        settings.sslProtocols = value("SSL_protocols").map { $0.split(separator: " ").map(String.init) }
        settings.sslProtocolMin = value("SSL_protocol_min")
        settings.sslProtocolMax = value("SSL_protocol_max")
        settings.sslCipherList = value("SSL_cipherlist")
        settings.sslCipherSuites = value("SSL_ciphersuites")
        settings.sslFingerprints = value("SSL_fingerprint").map {
            $0.split(separator: " ").compactMap { InterIMAPValueRules.parseFingerprint(String($0)) }
        } ?? []
        settings.sslHostname = value("SSL_hostname")
        settings.sslVerify = flag("SSL_verify") ?? settings.sslVerify
        settings.sslCAPath = value("SSL_CApath")
        settings.sslCAFile = value("SSL_CAfile")
        settings.passwordCommand = value("x-password-command")
        settings.oauthTokenCommand = value("x-oauth-token-command")
        return settings
    }

    /// Every key known, every value accepted by its rule.
    private func validate(_ entries: [String: INIDocument.Entry], section: String) throws(InterIMAPConfigurationError) {
        for (key, entry) in entries.sorted(by: { $0.value.line < $1.value.line }) {
            guard let rule = Self.globalKeys[key] ?? Self.connectionKeys[key] else {
                throw InterIMAPConfigurationError(file: file, line: entry.line, section: displayName(section), key: key,
                                                  problem: .unknownKey)
            }
            guard rule.accepts(entry.value) else { throw error(entry, section: section, key: key, expected: rule.expected) }
        }
    }

    private func error(_ entry: INIDocument.Entry, section: String, key: String, expected: String) -> InterIMAPConfigurationError {
        InterIMAPConfigurationError(file: file, line: entry.line, section: displayName(section), key: key,
                                    problem: .invalidValue(expected: expected))
    }

    private func displayName(_ section: String) -> String {
        section == INIDocument.defaultSection ? "default" : section
    }

    /// InterIMAP's `_proxify` URI: `PROTO://[USERPASS@](HOST|[LITERAL])[:PORT]`, PROTO socks5/socks5h.
    static func parseProxy(_ text: String) -> ProxySetting? {
        guard let schemeEnd = text.range(of: "://") else { return nil }
        guard let scheme = ProxySetting.Scheme(rawValue: String(text[..<schemeEnd.lowerBound])) else { return nil }
        var rest = Substring(text[schemeEnd.upperBound...])
        var username: String?
        var password: ConfigurationSecret?
        if let at = rest.lastIndex(of: "@") {
            let userpass = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let parts = userpass.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            username = String(parts[0])
            if parts.count == 2 { password = ConfigurationSecret(String(parts[1])) }
        }
        var host: Substring
        var port = "1080"
        if rest.first == "[" {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = rest[...close]
            rest = rest[rest.index(after: close)...]
        } else {
            host = rest.prefix { $0 != ":" }
            rest = rest[host.endIndex...]
        }
        if rest.first == ":" {
            let digits = rest.dropFirst()
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return nil }
            port = String(digits)
        } else if !rest.isEmpty {
            return nil
        }
        guard !host.isEmpty else { return nil }
        return ProxySetting(scheme: scheme, username: username, password: password, host: String(host), port: port)
    }
}
