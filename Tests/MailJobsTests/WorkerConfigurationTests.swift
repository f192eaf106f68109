import Credentials
import IMAPClient
import MailJobs
import TestSupport
import Testing

@Suite struct WorkerConfigurationTests {
    @Test func shippedFileEqualsTheDefaults() throws {
        let shipped = try WorkerConfiguration.load(path: "\(packageRoot)/configs/imapworker.yaml")
        #expect(shipped == WorkerConfiguration())
    }

    @Test func valuesAreRead() throws {
        let c = try WorkerConfiguration.parse(yaml: """
            store: {path: /var/lib/imapworker/store.db}
            imap:
              connection: starttls
              auth_mechanisms: LOGIN PLAIN
              compress: true
              tls: {min_version: TLSv1.3, fingerprints: ["sha256$00"]}
            fetch: {batch_messages: 10, commands_in_flight: 4}
            log: {level: debug}
            """)
        #expect(c.store.path == "/var/lib/imapworker/store.db")
        #expect(c.imap.connection == "starttls")
        #expect(c.imap.authMechanisms == ["LOGIN", "PLAIN"])
        #expect(c.imap.compress)
        #expect(c.imap.tls.minVersion == "TLSv1.3")
        #expect(c.imap.tls.fingerprints == ["sha256$00"])
        #expect(c.fetch.batchMessages == 10 && c.fetch.commandsInFlight == 4)
        #expect(c.log.level == "debug")
    }

    @Test(arguments: [
        ("imap: {conection: imaps}", "unknown key imap.conection"),
        ("imap: {oauth_token_cmd: x}", "unknown key imap.oauth_token_cmd"),
        ("imap: {secret_command_timeout_seconds: 0}", "imap.secret_command_timeout_seconds must be an integer ≥ 1"),
        ("imap: {oauth_token_command: [a]}", "imap.oauth_token_command must be a string"),
        ("fetch: {batch_messages: 0}", "fetch.batch_messages must be an integer ≥ 1"),
        ("imap: {compress: maybe}", "imap.compress must be true or false"),
        ("imap: [1, 2]", "imap must be a mapping"),
        ("store: {path: [a]}", "store.path must be a string"),
        ("imap: {tls: {verify: 1}}", "imap.tls.verify must be true or false"),
        (": :", "not valid YAML"),
    ])
    func errorsNameTheKey(yaml: String, message: String) {
        #expect {
            try WorkerConfiguration.parse(yaml: yaml)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func storeKeyAndIdentityKeysAreRead() throws {
        let c = try WorkerConfiguration.parse(yaml: "store: {key_file: /etc/imapworker/store.key}\nidentities: {deactivate_after_hours: 24, sync_lock_seconds: 60}")
        #expect(c.store.keyFile == "/etc/imapworker/store.key")
        #expect(c.identities.deactivateAfterHours == 24 && c.identities.syncLockSeconds == 60)
        #expect(throws: ConfigurationError.invalid("configuration", "identities.sync_lock_seconds must be an integer ≥ 3")) {
            try WorkerConfiguration.parse(yaml: "identities: {sync_lock_seconds: 1}")
        }
        #expect(throws: ConfigurationError.invalid("configuration", "unknown key identities.deactivate_after")) {
            try WorkerConfiguration.parse(yaml: "identities: {deactivate_after: 1}")
        }
    }

    @Test func oauthKeysAreRead() throws {
        let c = try WorkerConfiguration.parse(yaml: """
            imap:
              auth_mechanisms: [xoauth2, OAUTHBEARER]
              oauth_token_command: "printf %s tok"
              password_command: pass show mail
              secret_command_timeout_seconds: 5
            """)
        #expect(c.imap.authMechanisms == ["xoauth2", "OAUTHBEARER"])
        #expect(c.imap.oauthTokenCommand == "printf %s tok")
        #expect(c.imap.passwordCommand == "pass show mail")
        #expect(c.imap.secretCommandTimeoutSeconds == 5)
    }

    /// The token command runs only when a configured mechanism needs a token that was not given.
    @Test func secretCommandsFillOnlyWhatIsMissingAndWanted() throws {
        var imap = WorkerConfiguration.IMAPSection()
        imap.authMechanisms = ["XOAUTH2"]
        imap.oauthTokenCommand = "printf %s command-token"
        imap.passwordCommand = "exit 1"   // not run: no password mechanism is configured
        var settings = RemoteSettings(server: "127.0.0.1:993", login: "alice", password: nil, defaults: imap)
        #expect(!settings.hasSecretForAMechanism)
        try settings.runSecretCommands()
        #expect(settings.oauthToken?.value == "command-token")
        #expect(settings.password == nil)
        #expect(settings.hasSecretForAMechanism)
        let client = try settings.clientConfiguration()
        #expect(client.oauthToken?.value == "command-token")
        #expect(client.authMechanisms == [.xoauth2])

        var given = RemoteSettings(server: "127.0.0.1:993", login: "alice", password: nil, defaults: imap)
        given.oauthToken = "flag-token"
        try given.runSecretCommands()
        #expect(given.oauthToken?.value == "flag-token")

        imap.authMechanisms = ["PLAIN", "XOAUTH2"]
        var failing = RemoteSettings(server: "127.0.0.1:993", login: "alice", password: nil, defaults: imap)
        #expect(throws: SecretCommandError(purpose: "the password command", reason: .exited(status: 1))) {
            try failing.runSecretCommands()
        }
    }
}
