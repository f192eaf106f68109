import Credentials
import Foundation
import MailJobs
import MailStore
import Testing
import TestSupport

/// The built-in scheduler and push on the real daemon (Dovecot, nats-server, nats-py): stored
/// identities are synced on their interval, two workers sharing one store sync each identity
/// once per interval, and with push a message APPENDed to Dovecot by another client, to INBOX or
/// another mailbox (NOTIFY), reaches the local account within 5 s.
@Suite(.serialized, .timeLimit(.minutes(5))) struct SchedulerEndToEndTests {
    /// Prints every event published on the events subject for argv[2] seconds.
    static let listener = """
        import asyncio, sys, nats
        async def main():
            nc = await nats.connect(sys.argv[1])
            events = []
            async def on_event(msg): events.append(msg.data.decode())
            await nc.subscribe("imapworker.events", cb=on_event)
            await nc.flush()
            await asyncio.sleep(float(sys.argv[2]))
            for e in events: print(e)
            await nc.close()
        asyncio.run(main())
        """

    /// APPENDs one message to argv[7] (INBOX by default) over IMAPS, as a mail client would.
    static let appender = """
        import imaplib, ssl, sys
        ctx = ssl.create_default_context(cafile=sys.argv[3])
        m = imaplib.IMAP4_SSL(sys.argv[1], int(sys.argv[2]), ssl_context=ctx)
        m.login(sys.argv[4], sys.argv[5])
        msg = ("From: someone@example.org\\r\\nTo: alice@example.org\\r\\nSubject: " + sys.argv[6] +
               "\\r\\nMessage-ID: <" + sys.argv[6] + "@example.org>\\r\\n\\r\\nNew mail.\\r\\n").encode()
        typ, _ = m.append(sys.argv[7] if len(sys.argv) > 7 else "INBOX", None, None, msg)
        if typ != "OK": sys.exit("append failed")
        m.logout()
        """

    static let interval = 3.0

    @Test func identitiesAreSyncedOnTheirIntervalOnceByTwoWorkersSharingTheStore() async throws {
        let dovecot = try await DovecotServer.start(users: [("alice", "alicepw"), ("bob", "bobpw")],
                                                    corpus: CorpusOptions(messages: 20, seed: 31))
        defer { dovecot.stop() }
        let nats = try await NATSServer()
        let directory = try TemporaryDirectory(prefix: "imapworker-scheduler")
        let database = directory.file("shared.db")
        let store = try MailStore(path: database)
        var identities: [RemoteIdentity] = []
        for (index, (login, password)) in dovecot.users.enumerated() {
            var settings = RemoteSettings(server: "127.0.0.1:\(dovecot.imapsPort)", login: login,
                                          password: Secret(password), defaults: .init())
            settings.tls.caFile = dovecot.caFile
            identities.append(try store.addIdentity(try RemoteIdentity(userID: "u\(index + 1)", settings: settings)))
        }
        var settings = imapSettings(dovecot)
        settings["nats.url"] = nats.url
        settings["scheduler.poll_interval_seconds"] = "\(Int(Self.interval))"
        let workers = [try await Daemon(settings: settings, directory: directory, name: "worker-a", database: database),
                       try await Daemon(settings: settings, directory: directory, name: "worker-b", database: database)]
        let lines = try await runPython(Self.listener, [nats.url, "11"], directory: directory)
        for worker in workers { #expect(try await worker.stop() == 0) }

        let events = try jsonLines(lines)
        let scheduled = events.filter { ($0["order_id"] as? String)?.hasPrefix("schedule-") == true }
        let completed = scheduled.filter { $0["event"] as? String == "completed" }
        #expect(completed.allSatisfy { $0["order"] as? String == "sync" })
        #expect(scheduled.allSatisfy { $0["event"] as? String != "failed" }, "\(scheduled)")
        for identity in identities {
            let runs = completed.filter { $0["identity_id"] as? String == identity.id.uuidString.lowercased() }
            // 11 s of a 3 s interval (the first round spread over 3 s, a run ending after the window
            // not seen): 2 to 4 runs, whoever ran them; never more often than the interval.
            #expect((2...4).contains(runs.count), "\(identity.login): \(runs.count) scheduled runs: \(runs)")
            let starts = try runs.map { try #require(isoDate($0["started_at"])) }.sorted()
            for (earlier, later) in zip(starts, starts.dropFirst()) {
                // Claimed once per interval in the store (the pool may start a run a little after its claim).
                #expect(later.timeIntervalSince(earlier) > Self.interval - 0.5, "\(identity.login): runs at \(starts)")
            }
            #expect(maxOverlap(runs.compactMap { run in
                (run["started_at"] as? String).flatMap { start in (run["finished_at"] as? String).map { (start, $0) } }
            }) <= 1)
            #expect(runs.allSatisfy { $0["user_id"] as? String == identity.userID })
        }
        let byWorker = Set(completed.compactMap { $0["worker"] as? String })
        #expect(byWorker.isSubset(of: ["worker-a", "worker-b"]))
        #expect(try storedDigests(database, userID: "u1").filter { !$0.value.isEmpty } == manifestDigests(dovecot.manifest))
        for worker in workers {
            #expect(!worker.log.contains("alicepw") && !worker.log.contains("bobpw"))
        }
    }

    @Test func pushedMailReachesTheLocalAccountWithinFiveSeconds() async throws {
        let dovecot = try await DovecotServer.start(corpus: CorpusOptions(messages: 10, seed: 37))
        defer { dovecot.stop() }
        let nats = try await NATSServer()
        let directory = try TemporaryDirectory(prefix: "imapworker-push")
        let database = directory.file("push.db")
        let (login, password) = dovecot.users[0]
        // The identity asks for push itself (push.enabled stays off), through imapctl as an operator would.
        var environment = ProcessInfo.processInfo.environment
        environment["IMAPWORKER_STORE_PATH"] = database
        environment["IMAPWORKER_PASSWORD"] = password
        let added = try await runCommand(try builtExecutable("imapctl"), [
            "addremote", "--push", "--userid", "u1", "--login", login, "--server", "127.0.0.1:\(dovecot.imapsPort)",
            "--ca-file", dovecot.caFile,
        ], environment: environment, timeout: .seconds(60))
        try #require(added.status == 0, "\(added.stderr)")
        let identityID = try #require(UUID(uuidString: added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try MailStore(path: database).pushSetting(identityID: identityID) == true)

        var settings = imapSettings(dovecot)
        settings["nats.url"] = nats.url
        settings["scheduler.poll_interval_seconds"] = "0"  // only push syncs here
        let daemon = try await Daemon(settings: settings, directory: directory, database: database)
        // Dovecot has NOTIFY: the push connection watches every mailbox, not only INBOX.
        try await waitFor("the push connection", timeout: .seconds(60)) { daemon.log.contains("push: watching every mailbox (NOTIFY)") }
        #expect(try storedDigests(database, userID: "u1").isEmpty, "nothing synced before new mail")

        var expected = dovecot.manifest?.mailboxes.mapValues(\.messages.count) ?? [:]
        for (round, mailbox) in ["INBOX", "Archive/2023", "INBOX"].enumerated() {
            let subject = "pushed-\(round + 1)"
            _ = try await runPython(Self.appender, ["127.0.0.1", "\(dovecot.imapsPort)", dovecot.caFile, login, password,
                                                    subject, mailbox], directory: directory)
            expected[mailbox, default: 0] += 1
            // A bound on the wait, not a measurement: the "within seconds of new mail".
            try await waitFor("message \(subject) in the local \(mailbox)", timeout: .seconds(5)) {
                (try? storedDigests(database, userID: "u1")[mailbox]?.count) == expected[mailbox]
            }
        }
        // status shows the push connection and the runs it asked for.
        let status = try await runImapctl(["status", "--json"], settings: ["nats.url": nats.url])
        #expect(status.status == 0, "\(status.stderr)")
        let worker = try #require((try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [[String: Any]])?.first)
        let push = try #require(worker["push"] as? [String: Any], "\(status.stdout)")
        #expect(push["held"] as? Int == 1 && push["watching_notify"] as? Int == 1 && push["watching_idle"] as? Int == 0
                    && push["reconnecting"] as? Int == 0, "\(push)")
        let scheduler = try #require(worker["scheduler"] as? [String: Any], "\(status.stdout)")
        #expect(scheduler["interval_seconds"] as? Int == 0 && scheduler["scheduled_runs"] as? Int == 0, "\(scheduler)")
        #expect((scheduler["push_runs"] as? Int ?? 0) >= 3, "\(scheduler)")
        #expect(try await daemon.stop() == 0)
        #expect(!daemon.log.contains(password) && !added.stdout.contains(password) && !added.stderr.contains(password))
    }
}

/// Polls `condition` every 50 ms until it holds; throws after `timeout`.
func waitFor(_ what: String, timeout: Duration, _ condition: () throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while try !condition() {
        guard ContinuousClock.now < deadline else { throw TestHarnessError("no \(what) after \(timeout)") }
        try await Task.sleep(for: .milliseconds(50))
    }
}

func isoDate(_ value: Any?) -> Date? {
    guard let text = value as? String else { return nil }
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.date(from: text)
}
