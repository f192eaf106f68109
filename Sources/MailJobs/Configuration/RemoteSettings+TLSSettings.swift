import MailStore

extension RemoteIdentity.TLSSettings {
    /// What an identity stores for an account reached with `settings` (imapctl and the daemon's
    /// `addremote`); the connection aliases `imap` and `tls` are stored as `starttls` and `imaps`.
    public init(settings: RemoteSettings) {
        self.init()
        let name: String
        switch settings.connection.lowercased() {
        case "imap": name = "starttls"
        case "tls": name = "imaps"
        case let other: name = other
        }
        connection = Connection(rawValue: settings.tunnelCommand == nil ? name : "tunnel") ?? .imaps
        tunnelCommand = settings.tunnelCommand
        caFile = settings.tls.caFile.isEmpty ? nil : settings.tls.caFile
        pinnedFingerprints = settings.tls.fingerprints
        minimumVersion = settings.tls.minVersion.isEmpty ? nil : settings.tls.minVersion
        verifyPeer = settings.tls.verify
    }
}
