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
}
