import Credentials
import MailJobs
import MailStore

extension RemoteSettings {
    /// How to reach a stored identity: its own settings over the configuration's `imap` defaults.
    /// A password in the order replaces the stored one (Caliopen: identities may store none).
    init(identity: RemoteIdentity, password: Secret?, defaults: WorkerConfiguration.IMAPSection) {
        self.init(server: identity.server, login: identity.login, password: password ?? identity.password,
                  defaults: defaults)
        connection = identity.tls.connection.rawValue
        tunnelCommand = identity.tls.tunnelCommand
        authMechanisms = identity.authMechanisms
        if let caFile = identity.tls.caFile { tls.caFile = caFile }
        if !identity.tls.pinnedFingerprints.isEmpty { tls.fingerprints = identity.tls.pinnedFingerprints }
        if let minimum = identity.tls.minimumVersion { tls.minVersion = minimum }
        tls.verify = identity.tls.verifyPeer
    }
}
