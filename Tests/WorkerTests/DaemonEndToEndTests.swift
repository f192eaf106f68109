import Foundation
import Testing
import TestSupport

/// The `imapworker` binary against real nats-server, redis-server and Dovecot, driven by clients
/// no one here wrote (nats-py, redis-py).
@Suite(.serialized, .timeLimit(.minutes(10))) struct DaemonEndToEndTests {
    static let natsRequest = """
        import asyncio, sys, json, nats
        async def main():
            nc = await nats.connect(sys.argv[1])
            events = []
            async def on_event(msg): events.append(msg.data.decode())
            await nc.subscribe("imapworker.events", cb=on_event)
            await nc.flush()
            msg = await nc.request("outboundIMAP", sys.argv[2].encode(), timeout=240)
            print(msg.data.decode())
            await asyncio.sleep(0.5)
            for e in events: print(e)
            await nc.close()
        asyncio.run(main())
        """

    static let redisRequest = """
        import sys, redis
        r = redis.Redis.from_url(sys.argv[1])
        r.xadd("imapworker:orders", {"order": sys.argv[2], "reply_to": sys.argv[3]})
        res = r.xread({sys.argv[3]: "0"}, block=240000, count=1)
        if not res: sys.exit("no reply")
        print(res[0][1][0][1][b"event"].decode())
        for _, fields in r.xrange("imapworker:events"): print(fields[b"event"].decode())
        """

    /// One object per line: every event of the Redis events stream, then `{"pending": n}`.
    static let redisEventsAndPending = """
        import sys, redis
        r = redis.Redis.from_url(sys.argv[1])
        for _, fields in r.xrange("imapworker:events"): print(fields[b"event"].decode())
        print('{"pending": %d}' % r.xpending("imapworker:orders", "IMAPworkers")["pending"])
        """

    /// One daemon fed by NATS and Redis at once: a fullfetch from nats-py and one from redis-py
    /// both store every message of the corpus, byte for byte; no password in events or logs.
    @Test func fullfetchFromNatsPyAndRedisPy() async throws {
        let dovecot = try await DovecotServer.start(corpus: CorpusOptions(messages: 120, seed: 11))
        let nats = try await NATSServer()
        let redis = try await RedisServer()
        let directory = try TemporaryDirectory(prefix: "imapworker-daemon")
        var settings = imapSettings(dovecot)
        settings["nats.url"] = nats.url
        settings["redis.url"] = redis.url
        settings["redis.group_start_id"] = "0"
        let daemon = try await Daemon(settings: settings, directory: directory)
        let (login, password) = dovecot.users[0]
        let mailboxes = manifestDigests(dovecot.manifest).keys.sorted()
        func order(_ id: String, user: String) throws -> String {
            let object: [String: Any] = ["order": "fullfetch", "order_id": id, "user_id": user, "login": login,
                                         "password": password, "server": "127.0.0.1:\(dovecot.imapsPort)",
                                         "mailboxes": mailboxes]
            return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        }

        let natsLines = try await runPython(Self.natsRequest, [nats.url, try order("by-nats", user: "u-nats")],
                                            directory: directory)
        let redisLines = try await runPython(Self.redisRequest, [redis.url, try order("by-redis", user: "u-redis"), "replies:1"],
                                             directory: directory)
        let expectedCount = dovecot.manifest?.totals.messages ?? -1
        for (lines, id) in [(natsLines, "by-nats"), (redisLines, "by-redis")] {
            let events = try jsonLines(lines)
            let reply = try #require(events.first)
            #expect(reply["event"] as? String == "completed", "\(reply)")
            #expect(reply["order_id"] as? String == id)
            let stats = try #require(reply["stats"] as? [String: Any])
            #expect(stats["messages_appended"] as? Int == expectedCount)
            #expect(stats["mailboxes"] as? Int == mailboxes.count)
            // The events destination saw accepted then completed for this order.
            let kinds = events.dropFirst().filter { $0["order_id"] as? String == id }.compactMap { $0["event"] as? String }
            #expect(kinds.first == "accepted" && kinds.last == "completed", "\(kinds)")
        }
        #expect(try storedDigests(daemon.database, userID: "u-nats") == manifestDigests(dovecot.manifest))
        #expect(try storedDigests(daemon.database, userID: "u-redis") == manifestDigests(dovecot.manifest))
        // Status over both buses, without an order: NATS request/reply and the Redis status stream.
        let statusScript = """
            import asyncio, sys, redis, nats
            r = redis.Redis.from_url(sys.argv[2])
            r.xadd("imapworker:status", {"reply_to": "client:status:1", "request": "ping"}, maxlen=1000)
            print(r.xread({"client:status:1": "0"}, block=20000, count=1)[0][1][0][1][b"status"].decode())
            async def main():
                nc = await nats.connect(sys.argv[1])
                print((await nc.request("imapworker.status", b"{}", timeout=10)).data.decode())
                await nc.close()
            asyncio.run(main())
            """
        let statuses = try jsonLines(try await runPython(statusScript, [nats.url, redis.url], directory: directory))
        #expect(statuses.count == 2)
        for status in statuses {
            #expect(status["event"] as? String == "status")
            let body = try #require(status["status"] as? [String: Any])
            #expect((body["counts"] as? [String: Any])?["completed"] as? Int == 2)
            let transports = (body["transports"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(transports == ["nats", "redis"])
        }
        #expect(try await daemon.stop() == 0)
        for text in natsLines + redisLines + [daemon.log] {
            #expect(!text.contains(password), "a password leaked: \(text.prefix(300))")
        }
    }

    /// 50 identities (made by addremote orders), then 50 fullfetch orders at once with
    /// `workers: 4`: all complete, and never more than 4 ran at once (from the events' own
    /// start and end times, and from the status snapshot's peak).
    @Test func fiftyIdentitiesFourWorkers() async throws {
        let users = [("alice", "alicepw")] + (0..<50).map { ("user\($0)", "pw\($0)-secret") }
        let dovecot = try await DovecotServer.start(users: users, corpus: CorpusOptions(messages: 5, seed: 3))
        let nats = try await NATSServer()
        let directory = try TemporaryDirectory(prefix: "imapworker-daemon")
        var settings = imapSettings(dovecot)
        settings["nats.url"] = nats.url
        settings["workers"] = "4"
        settings["nats.queue_limit"] = "64"  // all 50 wait in the transport for a slot, none is refused
        let daemon = try await Daemon(settings: settings, directory: directory)
        let script = """
            import asyncio, sys, json, nats
            async def main():
                nc = await nats.connect(sys.argv[1])
                ids = []
                for i in range(50):
                    o = {"order": "addremote", "order_id": f"add-{i}", "user_id": f"local{i}", "login": f"user{i}",
                         "password": f"pw{i}-secret", "server": sys.argv[2]}
                    r = json.loads((await nc.request("outboundIMAP", json.dumps(o).encode(), timeout=60)).data)
                    if r.get("event") != "completed": sys.exit(f"addremote failed: {r}")
                    ids.append(r["created_identity_id"])
                async def fetch(i):
                    o = {"order": "fullfetch", "order_id": f"fetch-{i}", "user_id": f"local{i}", "identity_id": ids[i]}
                    return (await nc.request("outboundIMAP", json.dumps(o).encode(), timeout=600)).data.decode()
                for line in await asyncio.gather(*[fetch(i) for i in range(50)]): print(line)
                print((await nc.request("imapworker.status", b"{}", timeout=10)).data.decode())
                await nc.close()
            asyncio.run(main())
            """
        let lines = try await runPython(script, [nats.url, "127.0.0.1:\(dovecot.imapsPort)"], directory: directory)
        let events = try jsonLines(lines)
        #expect(events.count == 51)
        let finals = events.filter { $0["event"] as? String != "status" }
        #expect(finals.count == 50)
        #expect(finals.allSatisfy { $0["event"] as? String == "completed" }, "\(finals.filter { $0["event"] as? String != "completed" })")
        #expect(Set(finals.compactMap { $0["order_id"] as? String }) == Set((0..<50).map { "fetch-\($0)" }))
        let intervals = finals.compactMap { event -> (start: String, end: String)? in
            guard let start = event["started_at"] as? String, let end = event["finished_at"] as? String else { return nil }
            return (start, end)
        }
        #expect(intervals.count == 50)
        #expect(maxOverlap(intervals) <= 4)
        let status = try #require(events.last?["status"] as? [String: Any])
        let peak = try #require(status["max_concurrent"] as? Int)
        #expect(peak >= 1 && peak <= 4)
        #expect((status["counts"] as? [String: Any])?["completed"] as? Int == 100)
        #expect(try await daemon.stop() == 0)
        #expect(!daemon.log.contains("pw7-secret"))
    }

    /// 100 malformed orders give exactly 100 `rejected` events; the worker then still answers a
    /// valid order, and none of the passwords in the bad orders shows in an event or a log line.
    @Test func hundredMalformedOrdersThenAValidOne() async throws {
        let nats = try await NATSServer()
        let directory = try TemporaryDirectory(prefix: "imapworker-daemon")
        let metricsPort = try freeLoopbackPort()
        // A queue that holds the whole burst: the transport refuses none as busy.
        let daemon = try await Daemon(settings: ["nats.url": nats.url, "metrics.port": String(metricsPort),
                                                 "nats.queue_limit": "128"], directory: directory)
        let payloads = directory.file("payloads.json")
        try JSONSerialization.data(withJSONObject: MalformedOrders.all.map { Data($0).base64EncodedString() })
            .write(to: URL(fileURLWithPath: payloads))
        let script = """
            import asyncio, sys, json, base64, nats
            async def main():
                nc = await nats.connect(sys.argv[1])
                rejected = []
                done = asyncio.Event()
                async def on_event(msg):
                    if json.loads(msg.data).get("event") == "rejected":
                        rejected.append(msg.data.decode())
                        if len(rejected) >= 100: done.set()
                await nc.subscribe("imapworker.events", cb=on_event)
                await nc.flush()
                for p in json.load(open(sys.argv[2])): await nc.publish("outboundIMAP", base64.b64decode(p))
                await nc.flush()
                await asyncio.wait_for(done.wait(), 120)
                reply = await nc.request("outboundIMAP", b'{"order":"test","order_id":"after"}', timeout=30)
                for e in rejected: print(e)
                print(reply.data.decode())
                await nc.close()
            asyncio.run(main())
            """
        let lines = try await runPython(script, [nats.url, payloads], directory: directory)
        let events = try jsonLines(lines)
        let rejected = events.filter { $0["event"] as? String == "rejected" }
        #expect(rejected.count == 100)
        #expect(rejected.allSatisfy { ($0["error"] as? [String: Any])?["code"] as? String == "bad_order" })
        #expect(events.last?["event"] as? String == "completed" && events.last?["order_id"] as? String == "after")
        #expect(daemon.child.isRunning)
        // The Prometheus endpoint counts them too, and the health check is green.
        let get = """
            import sys, urllib.request
            for path in ("/metrics", "/health"):
                with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}{path}", timeout=10) as r:
                    print(r.status, r.read().decode().replace("\\n", " | "))
            """
        let http = try await runPython(get, [String(metricsPort)], directory: directory).joined(separator: "\n")
        #expect(http.contains("imapworker_orders_rejected_total 100"), "\(http)")
        #expect(http.contains(#"imapworker_orders_finished_total{order="test",result="completed"} 1"#), "\(http)")
        #expect(http.contains(#"200 {"status":"ok","worker":"imapworker"}"#), "\(http)")
        #expect(try await daemon.stop() == 0)
        // The endpoint's cancellation at shutdown is not an error.
        #expect(!daemon.log.contains("metrics endpoint failed"), "\(daemon.log.suffix(2000))")
        for text in lines + [daemon.log] { #expect(!text.contains(MalformedOrders.password)) }
    }

    /// SIGTERM while jobs run (Redis, at-least-once): intake stops, the jobs already taken
    /// finish within the grace period, every order is answered and acknowledged, exit 0.
    @Test func sigtermWhileJobsRunLosesNothing() async throws {
        let dovecot = try await DovecotServer.start(corpus: CorpusOptions(messages: 800, seed: 5, bigMessages: 2))
        // A Redis with a password, given in the URL: it must not show in the logs either.
        let redisPassword = "redis-secret-\(UUID().uuidString.prefix(8))"
        let redis = try await RedisServer(config: ["requirepass \(redisPassword)"])
        let redisURL = "redis://:\(redisPassword)@127.0.0.1:\(redis.port)"
        let directory = try TemporaryDirectory(prefix: "imapworker-daemon")
        var settings = imapSettings(dovecot)
        settings["redis.url"] = redisURL
        settings["redis.group_start_id"] = "0"
        settings["worker.shutdown_grace_seconds"] = "300"
        settings["fetch.batch_messages"] = "20"
        let daemon = try await Daemon(settings: settings, directory: directory)
        let (login, password) = dovecot.users[0]
        let script = """
            import sys, json, redis, time
            r = redis.Redis.from_url(sys.argv[1])
            for i in range(3):
                o = {"order": "fullfetch", "order_id": f"term-{i}", "user_id": f"t{i}", "login": sys.argv[2],
                     "password": sys.argv[3], "server": sys.argv[4], "mailbox": "INBOX"}
                r.xadd("imapworker:orders", {"order": json.dumps(o)})
            """
        _ = try await runPython(script, [redisURL, login, password, "127.0.0.1:\(dovecot.imapsPort)"], directory: directory)
        // Wait until all three orders are taken and the first job is storing messages, then stop.
        let deadline = ContinuousClock.now + .seconds(120)
        func pending() async throws -> Int {
            let reply = try await runCommand("/usr/bin/redis-cli", ["-p", String(redis.port), "-a", redisPassword, "--no-auth-warning", "XPENDING", "imapworker:orders", "IMAPworkers"])
            return Int(reply.stdout.split(separator: "\n").first ?? "") ?? 0
        }
        while try await pending() < 3 || ((try? storedDigests(daemon.database, userID: "t0")["INBOX"]?.count) ?? 0) == 0 {
            guard ContinuousClock.now < deadline, daemon.child.isRunning else {
                throw TestHarnessError("the first job did not start: \(daemon.log.suffix(2000))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        let signalled = Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        #expect(try await daemon.stop(timeout: .seconds(300)) == 0)
        #expect(daemon.log.contains("shutting down"))
        let events = try jsonLines(try await runPython(Self.redisEventsAndPending, [redisURL], directory: directory))
        let completed = Set(events.filter { $0["event"] as? String == "completed" }.compactMap { $0["order_id"] as? String })
        #expect(completed == ["term-0", "term-1", "term-2"], "\(events)")
        // Jobs were still running when the signal came, and finished after it.
        let finishedAfter = events.compactMap { $0["finished_at"] as? String }.filter { $0 > signalled }
        #expect(!finishedAfter.isEmpty)
        #expect(events.last?["pending"] as? Int == 0)
        #expect(!daemon.log.contains(redisPassword) && !daemon.log.contains(password))
        // Progress went to the events stream, never more than once a second per order (by the
        // events' own timestamps).
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        for id in ["term-0", "term-1", "term-2"] {
            let times = events.filter { $0["order_id"] as? String == id && $0["event"] as? String == "progress" }
                .compactMap { ($0["at"] as? String).flatMap { try? style.parse($0) } }
            #expect(!times.isEmpty, "no progress event for \(id)")
            for (earlier, later) in zip(times, times.dropFirst()) {
                #expect(later.timeIntervalSince(earlier) >= 0.999, "\(id): progress events \(earlier) and \(later)")
            }
        }
        for user in ["t0", "t1", "t2"] {
            #expect(try storedDigests(daemon.database, userID: user)["INBOX"] == manifestDigests(dovecot.manifest)["INBOX"])
        }
    }

    /// Caliopen's pull mode: an idpoller (nats-py) answers the worker's `need_job` requests on
    /// `imapJobs`, first with an order, then with "nothing to do"; the order runs and its events
    /// go to the events subject.
    @Test func needJobPollerRunsWhatTheIdpollerHandsOut() async throws {
        let nats = try await NATSServer()
        let directory = try TemporaryDirectory(prefix: "imapworker-daemon")
        let script = """
            import asyncio, sys, json, nats
            async def main():
                nc = await nats.connect(sys.argv[1])
                requests = []
                done = asyncio.Event()
                async def idpoller(msg):
                    requests.append(json.loads(msg.data))
                    answer = {"order": "test", "order_id": "polled"} if len(requests) == 1 else {"order": "nop"}
                    await nc.publish(msg.reply, json.dumps(answer).encode())
                async def on_event(msg):
                    event = json.loads(msg.data)
                    if event.get("order_id") == "polled" and event.get("event") == "completed":
                        print(msg.data.decode()); done.set()
                await nc.subscribe("imapJobs", cb=idpoller)
                await nc.subscribe("imapworker.events", cb=on_event)
                await nc.flush()
                print("ready", flush=True)
                await asyncio.wait_for(done.wait(), 60)
                print(json.dumps(requests[0]))
                await nc.close()
            asyncio.run(main())
            """
        let path = directory.file("idpoller.py")
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        let idpoller = try ChildProcess(testPython, [path, nats.url], logDirectory: directory.path, name: "idpoller")
        while !idpoller.stdout.contains("ready") {
            guard idpoller.isRunning else { throw TestHarnessError("idpoller exited: \(idpoller.stderr)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        let daemon = try await Daemon(settings: ["nats.url": nats.url, "poller.enabled": "true",
                                                 "poller.interval_seconds": "1"], directory: directory)
        #expect(try await idpoller.wait(timeout: .seconds(90)) == 0, "\(idpoller.stderr)")
        let lines = try jsonLines(idpoller.stdout.split(separator: "\n").map(String.init).filter { $0 != "ready" })
        #expect(lines.first?["event"] as? String == "completed")
        let request = try #require(lines.last)
        #expect(request["worker"] as? String == "imapworker")
        #expect((request["order"] as? [String: Any])?["order"] as? String == "need_job")
        #expect(try await daemon.stop() == 0)
    }

    /// SIGTERM with a grace period shorter than the job: the job is cancelled and its Redis order
    /// released, not answered; the process still exits 0, and a second worker runs the order to
    /// the end. Nothing is lost.
    @Test func graceOverReleasesTheOrderToAnotherWorker() async throws {
        let dovecot = try await DovecotServer.start(corpus: CorpusOptions(messages: 1500, seed: 8, bigMessages: 3,
                                                                          mailboxes: "INBOX=1"))
        let redis = try await RedisServer()
        let directory = try TemporaryDirectory(prefix: "imapworker-daemon")
        var settings = imapSettings(dovecot)
        settings["redis.url"] = redis.url
        settings["redis.group_start_id"] = "0"
        settings["worker.shutdown_grace_seconds"] = "0"
        settings["fetch.batch_messages"] = "20"
        let database = directory.file("shared.db")
        let first = try await Daemon(settings: settings, directory: directory, name: "first", database: database)
        let (login, password) = dovecot.users[0]
        let add = """
            import sys, json, redis
            o = {"order": "fullfetch", "order_id": "cut", "user_id": "c", "login": sys.argv[2], "password": sys.argv[3],
                 "server": sys.argv[4], "mailbox": "INBOX"}
            redis.Redis.from_url(sys.argv[1]).xadd("imapworker:orders", {"order": json.dumps(o)})
            """
        _ = try await runPython(add, [redis.url, login, password, "127.0.0.1:\(dovecot.imapsPort)"], directory: directory)
        let deadline = ContinuousClock.now + .seconds(120)
        while ((try? storedDigests(database, userID: "c")["INBOX"]?.count) ?? 0) == 0 {
            guard ContinuousClock.now < deadline, first.child.isRunning else {
                throw TestHarnessError("the job did not start: \(first.log.suffix(2000))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try await first.stop() == 0)
        let stored = (try? storedDigests(database, userID: "c")["INBOX"]?.count) ?? 0
        #expect(stored < dovecot.manifest?.mailboxes["INBOX"]?.messages.count ?? 0, "the job ended before the grace period")
        let afterFirst = try jsonLines(try await runPython(Self.redisEventsAndPending, [redis.url], directory: directory))
        #expect(!afterFirst.contains { $0["event"] as? String == "completed" || $0["event"] as? String == "failed" })
        #expect(afterFirst.last?["pending"] as? Int == 1)

        let second = try await Daemon(settings: settings, directory: directory, name: "second", database: database)
        let wait = """
            import sys, json, redis, time
            r = redis.Redis.from_url(sys.argv[1])
            deadline = time.time() + 120
            while time.time() < deadline:
                for _, fields in r.xrange("imapworker:events"):
                    e = json.loads(fields[b"event"])
                    if e.get("order_id") == "cut" and e.get("event") in ("completed", "failed"):
                        print(json.dumps(e)); sys.exit(0)
                time.sleep(0.2)
            sys.exit("no final event")
            """
        let final = try #require(try jsonLines(try await runPython(wait, [redis.url], directory: directory)).first)
        #expect(final["event"] as? String == "completed" && final["worker"] as? String == "second", "\(final)")
        #expect(try await second.stop() == 0)
        #expect(try storedDigests(database, userID: "c")["INBOX"] == manifestDigests(dovecot.manifest)["INBOX"])
    }
}
