import Foundation
import Testing
import TestSupport

/// `message.new` events (message_events.enabled): one per stored message, on NATS subject
/// `imapworker.messages` and Redis stream `imapworker:messages`, each sent only once its message is
/// committed (the listener finds it in the store the moment the event arrives); none when off.
@Suite(.serialized, .timeLimit(.minutes(10))) struct MessageEventsEndToEndTests {
    /// Sends the fullfetch order argv[2]; for every message event, checks the store (argv[3])
    /// at once and prints the event with "committed": true/false; then the reply.
    static let listener = """
        import asyncio, sys, json, sqlite3, nats
        async def main():
            nc = await nats.connect(sys.argv[1])
            db = sqlite3.connect(f"file:{sys.argv[3]}?mode=ro", uri=True)
            seen = []
            async def on_message(msg):
                e = json.loads(msg.data)
                n = db.execute("SELECT COUNT(*) FROM messages WHERE user_id = ? AND origin_mailbox = ? AND origin_uid = ?",
                               (e["user_id"], e["mailbox"], e["uid"])).fetchone()[0]
                e["committed"] = n == 1
                seen.append(e)
            await nc.subscribe("imapworker.messages", cb=on_message)
            await nc.flush()
            reply = await nc.request("outboundIMAP", sys.argv[2].encode(), timeout=240)
            await asyncio.sleep(1)
            for e in seen: print(json.dumps(e))
            print(reply.data.decode())
            await nc.close()
        asyncio.run(main())
        """

    func order(_ dovecot: DovecotServer, id: String, user: String) throws -> String {
        let object: [String: Any] = ["order": "fullfetch", "order_id": id, "user_id": user, "login": dovecot.users[0].user,
                                     "password": dovecot.users[0].password, "server": "127.0.0.1:\(dovecot.imapsPort)",
                                     "mailbox": "INBOX"]
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    @Test func oneEventPerStoredMessageAfterItsCommit() async throws {
        let dovecot = try await DovecotServer.start(corpus: CorpusOptions(messages: 400, seed: 31, mailboxes: "INBOX=1"))
        let nats = try await NATSServer()
        let redis = try await RedisServer()
        let directory = try TemporaryDirectory(prefix: "imapworker-message-events")
        var settings = imapSettings(dovecot)
        settings["nats.url"] = nats.url
        settings["redis.url"] = redis.url
        settings["message_events.enabled"] = "true"
        settings["fetch.batch_messages"] = "50"  // several batches, so events come out batch by batch
        let daemon = try await Daemon(settings: settings, directory: directory)
        let lines = try jsonLines(try await runPython(Self.listener, [nats.url, try order(dovecot, id: "m1", user: "u1"),
                                                                       daemon.database], directory: directory))
        let reply = try #require(lines.last)
        #expect(reply["event"] as? String == "completed", "\(reply)")
        let events = lines.dropLast()
        let inbox = try #require(dovecot.manifest?.mailboxes["INBOX"]?.messages)
        #expect(events.count == inbox.count)
        #expect(events.allSatisfy { $0["committed"] as? Bool == true }, "an event came before its commit")
        #expect(events.allSatisfy { $0["event"] as? String == "message.new" && $0["order_id"] as? String == "m1"
            && $0["user_id"] as? String == "u1" && $0["mailbox"] as? String == "INBOX" && $0["worker"] as? String == "imapworker" })
        let expected = Dictionary(uniqueKeysWithValues: inbox.map { ($0.uid, ($0.messageID, $0.size)) })
        for event in events {
            let uid = try #require(event["uid"] as? Int)
            #expect(event["message_id"] as? String == expected[uid]?.0, "\(event)")
            #expect(event["size"] as? Int == expected[uid]?.1, "\(event)")
        }
        #expect(Set(events.compactMap { $0["uid"] as? Int }).count == inbox.count)
        // The same events on the Redis stream.
        let count = try await runCommand("/usr/bin/redis-cli", ["-p", String(redis.port), "XLEN", "imapworker:messages"])
        #expect(count.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == String(inbox.count))
        #expect(try await daemon.stop() == 0)
    }

    @Test func offByDefault() async throws {
        let dovecot = try await DovecotServer.start(corpus: CorpusOptions(messages: 10, seed: 32, mailboxes: "INBOX=1"))
        let nats = try await NATSServer()
        let directory = try TemporaryDirectory(prefix: "imapworker-message-events-off")
        var settings = imapSettings(dovecot)
        settings["nats.url"] = nats.url
        let daemon = try await Daemon(settings: settings, directory: directory)
        let lines = try jsonLines(try await runPython(Self.listener, [nats.url, try order(dovecot, id: "m2", user: "u2"),
                                                                       daemon.database], directory: directory))
        #expect(lines.count == 1 && lines.first?["event"] as? String == "completed", "\(lines)")
        #expect(try await daemon.stop() == 0)
    }
}
