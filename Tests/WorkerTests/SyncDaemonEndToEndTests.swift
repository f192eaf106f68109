import Foundation
import Testing
import TestSupport

/// The `sync` order over NATS from nats-py, on the real daemon: an identity made by an
/// `addremote` order is synced into the user's local account, then a second order finds
/// nothing to copy; progress and stats come from the sync engine.
@Suite(.serialized, .timeLimit(.minutes(5))) struct SyncDaemonEndToEndTests {
    static let script = """
        import asyncio, sys, json, nats
        async def main():
            nc = await nats.connect(sys.argv[1])
            events = []
            async def on_event(msg): events.append(msg.data.decode())
            await nc.subscribe("imapworker.events", cb=on_event)
            await nc.flush()
            o = {"order": "addremote", "order_id": "add", "user_id": "u1", "login": sys.argv[3],
                 "password": sys.argv[4], "server": sys.argv[2]}
            r = json.loads((await nc.request("outboundIMAP", json.dumps(o).encode(), timeout=60)).data)
            if r.get("event") != "completed": sys.exit(f"addremote failed: {r}")
            for n in ("sync-1", "sync-2"):
                o = {"order": "sync", "order_id": n, "user_id": "u1", "identity_id": r["created_identity_id"]}
                print((await nc.request("outboundIMAP", json.dumps(o).encode(), timeout=240)).data.decode())
            await asyncio.sleep(0.5)
            for e in events: print(e)
            await nc.close()
        asyncio.run(main())
        """

    @Test func syncOrdersOverNATS() async throws {
        let dovecot = try await DovecotServer.start(corpus: CorpusOptions(messages: 150, seed: 23))
        defer { dovecot.stop() }
        let nats = try await NATSServer()
        let directory = try TemporaryDirectory(prefix: "imapworker-daemon-sync")
        var settings = imapSettings(dovecot)
        settings["nats.url"] = nats.url
        let daemon = try await Daemon(settings: settings, directory: directory)
        let (login, password) = dovecot.users[0]
        let lines = try await runPython(Self.script, [nats.url, "127.0.0.1:\(dovecot.imapsPort)", login, password],
                                        directory: directory)
        let events = try jsonLines(lines)
        let total = try #require(dovecot.manifest?.totals.messages)
        try #require(events.count >= 2, "\(lines)")
        let (first, second) = (events[0], events[1])
        #expect(first["event"] as? String == "completed" && first["order"] as? String == "sync", "\(first)")
        let stats = try #require(first["stats"] as? [String: Any])
        #expect(stats["messages_fetched"] as? Int == total && stats["messages_appended"] as? Int == total, "\(stats)")
        #expect(stats["mailboxes"] as? Int == dovecot.manifest?.mailboxes.count)
        #expect(second["event"] as? String == "completed", "\(second)")
        #expect((second["stats"] as? [String: Any])?["messages_appended"] as? Int == 0, "\(second)")
        let kinds = events.dropFirst(2).filter { $0["order_id"] as? String == "sync-1" }.compactMap { $0["event"] as? String }
        #expect(kinds.first == "accepted" && kinds.last == "completed", "\(kinds)")
        #expect(FileManager.default.fileExists(atPath: directory.file("sync")), "the per-identity state beside the store")
        #expect(try await daemon.stop() == 0)
        for text in lines + [daemon.log] {
            #expect(!text.contains(password), "a password leaked: \(text.prefix(300))")
        }
    }
}
