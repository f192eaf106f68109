import Foundation
import Testing
import TestSupport

/// `message.*` events of `sync` orders: a run after a flag change, an expunge, a move and new
/// mail on the remote announces exactly those changes, each once the local account (the store)
/// holds it, to a nats-py subscriber; a daemon with message events off announces nothing.
@Suite(.serialized, .timeLimit(.minutes(10))) struct SyncMessageEventsEndToEndTests {
    /// Sends the order argv[2] (or, for "addremote+sync", an addremote then a sync of the new
    /// identity); prints each message event with what the store (argv[3]) held when it arrived
    /// ("stored_flags", null when the message is not there), then the final event of each order.
    static let listener = """
        import asyncio, sys, json, sqlite3, nats
        async def main():
            nc = await nats.connect(sys.argv[1])
            db = sqlite3.connect(f"file:{sys.argv[3]}?mode=ro", uri=True)
            seen = []
            async def on_message(msg):
                e = json.loads(msg.data)
                row = db.execute("SELECT m.flags FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id "
                                 "WHERE b.user_id = ? AND b.name = ? AND m.uid = ?",
                                 (e["user_id"], e["mailbox"], e.get("local_uid"))).fetchone()
                e["stored_flags"] = None if row is None else row[0]
                seen.append(e)
            await nc.subscribe("imapworker.messages", cb=on_message)
            await nc.flush()
            order = json.loads(sys.argv[2])
            replies = []
            if order["order"] == "addremote":
                r = json.loads((await nc.request("outboundIMAP", json.dumps(order).encode(), timeout=60)).data)
                if r.get("event") != "completed": sys.exit(f"addremote failed: {r}")
                replies.append(r)
                order = {"order": "sync", "order_id": "sync-1", "user_id": order["user_id"],
                         "identity_id": r["created_identity_id"]}
            replies.append(json.loads((await nc.request("outboundIMAP", json.dumps(order).encode(), timeout=240)).data))
            await asyncio.sleep(1)
            for e in seen: print(json.dumps(e))
            for r in replies: print(json.dumps(r))
            await nc.close()
        asyncio.run(main())
        """

    @Test func remoteChangesBecomeEventsAfterTheirCommit() async throws {
        let dovecot = try await DovecotServer.start(corpus: CorpusOptions(messages: 24, seed: 41, mailboxes: "INBOX=3,Archive=1"))
        defer { dovecot.stop() }
        let nats = try await NATSServer()
        let directory = try TemporaryDirectory(prefix: "imapworker-sync-message-events")
        let (login, password) = dovecot.users[0]
        var settings = imapSettings(dovecot)
        settings["nats.url"] = nats.url

        // Events off (the default): the first sync copies everything and announces nothing.
        let quiet = try await Daemon(settings: settings, directory: directory, name: "quiet")
        let add: [String: Any] = ["order": "addremote", "order_id": "add", "user_id": "u1", "login": login,
                                  "password": password, "server": "127.0.0.1:\(dovecot.imapsPort)"]
        let first = try jsonLines(try await runPython(Self.listener, [nats.url, try json(add), quiet.database],
                                                      directory: directory))
        let created = try #require(first.first?["created_identity_id"] as? String, "\(first)")
        let total = try #require(dovecot.manifest?.totals.messages)
        #expect(first.count == 2 && first.last?["event"] as? String == "completed", "events while off: \(first)")
        #expect((first.last?["stats"] as? [String: Any])?["messages_appended"] as? Int == total, "\(first)")
        #expect(try await quiet.stop() == 0)

        // On the remote: a flag, an expunge, a move to Archive, a new message.
        let inbox = try #require(dovecot.manifest?.mailboxes["INBOX"]?.messages)
        try #require(inbox.count >= 3)
        let (flagged, expunged, moved) = (inbox[0], inbox[1], inbox[2])
        let newMessage = "From: b@example.org\r\nSubject: new\r\nMessage-ID: <sync-new-1@example.org>\r\n\r\nNew mail\r\n"
        _ = try await remoteSession(dovecot, """
            a SELECT INBOX\r
            b UID STORE \(flagged.uid) +FLAGS.SILENT (\\Flagged $Remote)\r
            c UID STORE \(expunged.uid) +FLAGS.SILENT (\\Deleted)\r

            """)
        // A session of its own: Dovecot may run a pipelined UID EXPUNGE before the STORE it follows.
        _ = try await remoteSession(dovecot, """
            a SELECT INBOX\r
            d UID EXPUNGE \(expunged.uid)\r
            e UID MOVE \(moved.uid) Archive\r
            f APPEND INBOX {\(newMessage.utf8.count)+}\r
            \(newMessage)\r

            """)

        // Events on: the next sync announces exactly those four changes.
        settings["message_events.enabled"] = "true"
        let daemon = try await Daemon(settings: settings, directory: directory, name: "announcing", database: quiet.database)
        let sync: [String: Any] = ["order": "sync", "order_id": "sync-2", "user_id": "u1", "identity_id": created]
        let lines = try jsonLines(try await runPython(Self.listener, [nats.url, try json(sync), daemon.database],
                                                      directory: directory))
        let reply = try #require(lines.last)
        #expect(reply["event"] as? String == "completed", "\(reply)")
        let events = Array(lines.dropLast())
        #expect(events.count == 4, "\(events)")
        #expect(events.allSatisfy { $0["order_id"] as? String == "sync-2" && $0["user_id"] as? String == "u1"
            && $0["identity_id"] as? String == created && $0["worker"] as? String == "announcing"
            && $0["local_uidvalidity"] is Int && $0["uidvalidity"] is Int }, "\(events)")
        func event(_ kind: String) throws -> [String: Any] {
            try #require(events.first { $0["event"] as? String == kind }, "no \(kind) in \(events)")
        }

        let flags = try event("message.flags")
        #expect(flags["mailbox"] as? String == "INBOX" && flags["uid"] as? Int == flagged.uid, "\(flags)")
        #expect(flags["message_id"] as? String == flagged.messageID && flags["size"] as? Int == flagged.size, "\(flags)")
        let newFlags = Set(flags["flags"] as? [String] ?? [])
        #expect(newFlags.isSuperset(of: ["\\Flagged", "$Remote"]), "\(flags)")
        #expect((flags["stored_flags"] as? String).map { $0.contains("\\Flagged") && $0.contains("$Remote") } == true,
                "the store did not hold the flags when the event came: \(flags)")

        let gone = try event("message.expunged")
        #expect(gone["mailbox"] as? String == "INBOX" && gone["uid"] as? Int == expunged.uid, "\(gone)")
        #expect(gone["message_id"] as? String == expunged.messageID && gone["size"] as? Int == expunged.size, "\(gone)")
        #expect(gone["flags"] == nil && gone.keys.contains("stored_flags") && gone["stored_flags"] is NSNull,
                "still in the store when the event came: \(gone)")

        let move = try event("message.moved")
        #expect(move["mailbox"] as? String == "Archive" && move["from_mailbox"] as? String == "INBOX", "\(move)")
        #expect(move["message_id"] as? String == moved.messageID && move["size"] as? Int == moved.size, "\(move)")
        #expect(move["from_local_uid"] is Int && move["stored_flags"] is String, "not in Archive when the event came: \(move)")

        let arrived = try event("message.new")
        #expect(arrived["mailbox"] as? String == "INBOX" && arrived["message_id"] as? String == "<sync-new-1@example.org>", "\(arrived)")
        #expect(arrived["size"] as? Int == newMessage.utf8.count && arrived["stored_flags"] is String, "\(arrived)")

        let stats = try #require(reply["stats"] as? [String: Any])
        #expect(stats["messages_moved"] as? Int == 1 && stats["expunged"] as? Int == 1, "\(stats)")
        #expect(try await daemon.stop() == 0)
        for text in lines.map(\.description) + [daemon.log, quiet.log] {
            #expect(!text.contains(password), "a password leaked: \(text.prefix(300))")
        }
    }

    private func json(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }
}
