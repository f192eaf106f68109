import Foundation
import Testing
import TestSupport

/// `imapctl fullfetch`, `imapctl syncremote` and `imapctl status` talking to a running `imapworker` over the bus the
/// configuration names (real nats-server / redis-server, Dovecot, both binaries as processes).
@Suite(.serialized, .timeLimit(.minutes(10))) struct ImapctlOrderEndToEndTests {
    @Test(arguments: ["nats", "redis"])
    func fullfetchAndStatusThroughARunningWorker(bus: String) async throws {
        let dovecot = try await DovecotServer.start(corpus: CorpusOptions(messages: 60, seed: 21))
        let directory = try TemporaryDirectory(prefix: "imapworker-imapctl-\(bus)")
        let nats = bus == "nats" ? try await NATSServer() : nil
        let redis = bus == "redis" ? try await RedisServer() : nil
        let busSettings = nats.map { ["nats.url": $0.url] } ?? ["redis.url": redis?.url ?? ""]
        let daemon = try await Daemon(settings: imapSettings(dovecot).merging(busSettings) { $1 }, directory: directory)
        let (login, password) = dovecot.users[0]
        let fetch = ["fullfetch", "--login", login, "--server", "127.0.0.1:\(dovecot.imapsPort)", "--mailbox", "INBOX",
                     "--userid", "u-\(bus)"]

        let done = try await runImapctl(fetch + ["--json"], settings: busSettings, password: password)
        #expect(done.status == 0, "\(done.stderr)")
        #expect(done.stderr.isEmpty, "imapctl logs its bus connection: \(done.stderr)")
        let event = try #require(try jsonLines([done.stdout.trimmingCharacters(in: .whitespacesAndNewlines)]).first)
        #expect(event["event"] as? String == "completed" && event["worker"] as? String == "imapworker", "\(event)")
        let expected = dovecot.manifest?.mailboxes["INBOX"]?.messages.count
        #expect((event["stats"] as? [String: Any])?["messages_appended"] as? Int == expected)
        // Stored by the worker, in the worker's store: imapctl has none here.
        #expect(try storedDigests(daemon.database, userID: "u-\(bus)")["INBOX"] == manifestDigests(dovecot.manifest)["INBOX"])

        let human = try await runImapctl(fetch, settings: busSettings, password: password)
        #expect(human.status == 0, "\(human.stderr)")
        #expect(human.stdout.contains("completed fullfetch") && human.stdout.contains(", 0 new"), "\(human.stdout)")

        let wrong = try await runImapctl(fetch, settings: busSettings, password: "not-\(password)-at-all")
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("fullfetch failed on worker imapworker: auth_failed"), "\(wrong.stderr)")
        #expect(!wrong.stderr.contains("not-\(password)-at-all") && !wrong.stdout.contains("not-\(password)-at-all"))

        let localOnly = try await runImapctl(fetch + ["--ca-file", dovecot.caFile], settings: busSettings, password: password)
        #expect(localOnly.status == 64 && localOnly.stderr.contains("--ca-file needs --local"), "\(localOnly.stderr)")

        let status = try await runImapctl(["status", "--json"], settings: busSettings)
        #expect(status.status == 0, "\(status.stderr)")
        let workers = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [[String: Any]])
        #expect(workers.count == 1)
        #expect(workers.first?["worker"] as? String == "imapworker")
        #expect((workers.first?["counts"] as? [String: Any])?["completed"] as? Int == 2)
        #expect((workers.first?["counts"] as? [String: Any])?["failed"] as? Int == 1)
        let table = try await runImapctl(["status"], settings: busSettings)
        #expect(table.status == 0, "\(table.stderr)")
        let rows = table.stdout.split(separator: "\n")
        #expect(rows.first?.hasPrefix("WORKER") == true && rows.count == 3, "\(table.stdout)")
        #expect(rows.dropFirst().first?.hasPrefix("imapworker") == true
                    && rows.dropFirst().first?.contains("\(bus):running") == true, "\(table.stdout)")
        #expect(rows.last?.hasPrefix("  imapworker: scheduler off (push only)") == true
                    && rows.last?.contains("push 0 held (max 100)") == true, "\(table.stdout)")

        #expect(try await daemon.stop() == 0)
        #expect(!daemon.log.contains(password))
        // No worker any more: a clear error, exit status 69, quickly.
        let started = ContinuousClock.now
        let nobody = try await runImapctl(fetch, settings: busSettings, password: password)
        #expect(nobody.status == 69, "\(nobody.stderr)")
        #expect(nobody.stderr.contains(bus == "nats" ? "no responders" : "no worker answered a status request"), "\(nobody.stderr)")
        #expect(ContinuousClock.now - started < .seconds(30))
        let noStatus = try await runImapctl(["status"], settings: busSettings)
        #expect(noStatus.status == 69 && noStatus.stderr.contains("no worker answered"), "\(noStatus.stderr)")
    }

    /// `syncremote` without --local: an identity stored by `addremote` in the worker's store (the
    /// store both read, through the same configuration), named by its login, synced by the worker
    /// on a `sync` order; the completed event's stats are the sync's, the messages are in the store.
    @Test func syncremoteThroughARunningWorker() async throws {
        let dovecot = try await DovecotServer.start(corpus: CorpusOptions(messages: 40, seed: 22))
        let directory = try TemporaryDirectory(prefix: "imapworker-imapctl-sync")
        let nats = try await NATSServer()
        let daemon = try await Daemon(settings: imapSettings(dovecot).merging(["nats.url": nats.url]) { $1 },
                                      directory: directory)
        let settings = ["nats.url": nats.url, "store.path": daemon.database]
        let (login, password) = dovecot.users[0]
        let added = try await runImapctl(["addremote", "--userid", "u1", "--login", login, "--pass", password,
                                       "--server", "127.0.0.1:\(dovecot.imapsPort)", "--ca-file", dovecot.caFile],
                                      settings: settings)
        try #require(added.status == 0, "\(added.stderr)")
        let sync = ["syncremote", "--userid", "u1", "--identifier", login]

        let done = try await runImapctl(sync + ["--json"], settings: settings)
        #expect(done.status == 0, "\(done.stderr)")
        let event = try #require(try jsonLines([done.stdout.trimmingCharacters(in: .whitespacesAndNewlines)]).first)
        #expect(event["event"] as? String == "completed" && event["order"] as? String == "sync", "\(event)")
        #expect(event["identity_id"] as? String == added.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let total = try #require(dovecot.manifest?.totals.messages)
        let stats = try #require(event["stats"] as? [String: Any])
        #expect(stats["messages_fetched"] as? Int == total && stats["messages_appended"] as? Int == total, "\(stats)")
        #expect(stats["mailboxes"] as? Int == dovecot.manifest?.mailboxes.count, "\(stats)")
        // In the worker's store, every mailbox (the corpus lists no empty ones).
        #expect(try storedDigests(daemon.database, userID: "u1").filter { !$0.value.isEmpty } == manifestDigests(dovecot.manifest))

        let again = try await runImapctl(sync + ["--mailbox", "INBOX"], settings: settings)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("completed sync") && again.stdout.contains(": 1 mailbox(es), 0 fetched, 0 new"),
                "\(again.stdout)")

        // --pass goes in the order, replacing the stored password: a wrong one fails the order.
        let wrong = try await runImapctl(sync + ["--pass", "not-\(password)-at-all"], settings: settings)
        #expect(wrong.status == 1, "\(wrong.stderr)")
        #expect(wrong.stderr.contains("sync failed on worker imapworker: auth_failed"), "\(wrong.stderr)")
        #expect(!wrong.stderr.contains("not-\(password)-at-all") && !wrong.stdout.contains("not-\(password)-at-all"))
        let token = try await runImapctl(sync + ["--oauth-token", "t0ken"], settings: settings)
        #expect(token.status == 64 && token.stderr.contains("--oauth-token needs --local"), "\(token.stderr)")
        let unknown = try await runImapctl(["syncremote", "--userid", "u1", "--identifier", "nobody"], settings: settings)
        #expect(unknown.status != 0 && unknown.stderr.contains("identity nobody of user u1"), "\(unknown.stderr)")

        #expect(try await daemon.stop() == 0)
        #expect(!daemon.log.contains(password))
        let nobody = try await runImapctl(sync, settings: settings)
        #expect(nobody.status == 69 && nobody.stderr.contains("no responders"), "\(nobody.stderr)")
    }

    /// With no bus configured, imapctl says what to set (or to use --local): exit status 64.
    @Test func noBusConfigured() async throws {
        let result = try await runImapctl(["fullfetch", "--login", "a", "--server", "127.0.0.1:1", "--userid", "u"],
                                       settings: ["nats.url": "", "redis.url": ""], password: "x")
        #expect(result.status == 64)
        #expect(result.stderr.contains("no bus configured") && result.stderr.contains("--local"), "\(result.stderr)")
        let sync = try await runImapctl(["syncremote", "--userid", "u", "--identifier", UUID().uuidString],
                                     settings: ["nats.url": "", "redis.url": ""])
        #expect(sync.status == 64)
        #expect(sync.stderr.contains("no bus configured") && sync.stderr.contains("--local"), "\(sync.stderr)")
    }
}
