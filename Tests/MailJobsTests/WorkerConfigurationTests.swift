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
    @Test func environmentOverridesEveryLayer() throws {
        let c = try WorkerConfiguration.parse(yaml: "workers: 2\nnats: {url: nats://file:4222}\n", environment: [
            "IMAPWORKER_WORKERS": "8", "IMAPWORKER_NATS_URL": "nats://127.0.0.1:4222",
            "IMAPWORKER_REDIS_URL": "redis://127.0.0.1:6379", "IMAPWORKER_STORE_PATH": "/tmp/x.db",
            "IMAPWORKER_IMAP_TLS_VERIFY": "false", "IMAPWORKER_IMAP_AUTH_MECHANISMS": "LOGIN",
            "IMAPWORKER_WORKER_RETRY_MAX_ATTEMPTS": "5", "IMAPWORKER_REDIS_GROUP_START_ID": "0",
            "IMAPWORKER_PASSWORD": "not a key: ignored",
        ])
        #expect(c.workers == 8)
        #expect(c.nats.url == "nats://127.0.0.1:4222" && c.redis.url == "redis://127.0.0.1:6379")
        #expect(c.store.path == "/tmp/x.db")
        #expect(!c.imap.tls.verify && c.imap.authMechanisms == ["LOGIN"])
        #expect(c.worker.retry.maxAttempts == 5)
        #expect(c.redis.groupStartID == "0")
    }

    @Test func caliopenDefaults() {
        let c = WorkerConfiguration()
        #expect(c.nats.ordersSubject == "outboundIMAP" && c.nats.queueGroup == "IMAPworkers")
        #expect(c.poller.subject == "imapJobs" && c.poller.intervalSeconds == 10)
        #expect(c.redis.stream == "imapworker:orders" && c.redis.group == "IMAPworkers")
        #expect(c.nats.eventsSubject == "imapworker.events" && c.nats.statusSubject == "imapworker.status")
    }

    @Test(arguments: [
        (["IMAPWORKER_WORKERS": "many"], "IMAPWORKER_WORKERS (workers) must be an integer ≥ 1"),
        (["IMAPWORKER_LOG_FORMAT": "xml"], "IMAPWORKER_LOG_FORMAT (log.format) must be one of human, json"),
        (["IMAPWORKER_POLLER_ENABLED": "perhaps"], "IMAPWORKER_POLLER_ENABLED (poller.enabled) must be true or false"),
    ])
    func environmentErrorsNameTheVariable(environment: [String: String], message: String) {
        #expect {
            try WorkerConfiguration.parse(yaml: "", environment: environment)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test(arguments: ["workerz: 3", "nats: {urll: x}", "worker: {retry: {max: 1}}", "redis: {url: x, extra: 1}"])
    func unknownDaemonKeysAreErrors(yaml: String) {
        #expect(throws: ConfigurationError.self) { try WorkerConfiguration.parse(yaml: yaml) }
    }

    /// Every key is documented in the shipped file and in docs/configuration.md.
    @Test func everyKeyIsDocumented() throws {
        let docs = try String(contentsOfFile: "\(packageRoot)/docs/configuration.md", encoding: .utf8)
        for path in ConfigurationKeys.paths {
            #expect(docs.contains("`\(path)`"), "docs/configuration.md lacks \(path)")
        }
    }
}

@Suite struct ConfigurationRedactionTests {
    @Test func busURLsPrintWithoutCredentials() throws {
        let c = try WorkerConfiguration.parse(yaml: "", environment: [
            "IMAPWORKER_REDIS_URL": "redis://:redis-pw@127.0.0.1:6379",
            "IMAPWORKER_NATS_URL": "nats://u:nats-pw@127.0.0.1:4222,nats://127.0.0.1:4223",
        ])
        let text = "\(c)"
        #expect(!text.contains("redis-pw") && !text.contains("nats-pw"))
        #expect(text.contains("redis://<redacted>@127.0.0.1:6379") && text.contains("nats://127.0.0.1:4223"))
    }
}
