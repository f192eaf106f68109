import Foundation
import Testing
import TestSupport

/// `deliver` orders from nats-py: the message lands in the account's `\Sent` special-use mailbox
/// (found with LIST RETURN (SPECIAL-USE), whatever its name), `\Seen`, byte for byte, as a
/// separate IMAP session (Python's imaplib) sees it; bad orders get the right codes.
@Suite(.serialized, .timeLimit(.minutes(10))) struct DeliverEndToEndTests {
    /// Sends each order of argv[2] (a JSON list) as a request; prints each reply.
    static let requests = """
        import asyncio, sys, json, nats
        async def main():
            nc = await nats.connect(sys.argv[1])
            for o in json.load(open(sys.argv[2])):
                print((await nc.request("outboundIMAP", json.dumps(o).encode(), timeout=60)).data.decode())
            await nc.close()
        asyncio.run(main())
        """

    /// One line per message of mailbox argv[5]: its flags, then the SHA-256 of its bytes.
    static let readMailbox = """
        import imaplib, ssl, sys, hashlib
        context = ssl.create_default_context(cafile=sys.argv[2])
        m = imaplib.IMAP4_SSL("127.0.0.1", int(sys.argv[1]), ssl_context=context)
        m.login(sys.argv[3], sys.argv[4])
        m.select('"' + sys.argv[5] + '"', readonly=True)
        _, data = m.uid("SEARCH", None, "ALL")
        for uid in data[0].split():
            _, parts = m.uid("FETCH", uid, "(FLAGS BODY.PEEK[])")
            flags = parts[0][0].decode()
            print(("SEEN " if "\\\\Seen" in flags else "UNSEEN ") + hashlib.sha256(parts[0][1]).hexdigest())
        m.logout()
        """

    static let sentConfiguration = """
        namespace inbox {
          mailbox "Sent Messages" {
            special_use = \\Sent
            auto = subscribe
          }
        }
        """

    @Test func deliverLandsInSentAndBadOrdersGetTheirCodes() async throws {
        let dovecot = try await DovecotServer.start(corpus: CorpusOptions(messages: 3, seed: 4),
                                                    extraConfiguration: Self.sentConfiguration)
        let nats = try await NATSServer()
        let directory = try TemporaryDirectory(prefix: "imapworker-deliver")
        var settings = imapSettings(dovecot)
        settings["nats.url"] = nats.url
        let daemon = try await Daemon(settings: settings, directory: directory)
        let (login, password) = dovecot.users[0]
        let server = "127.0.0.1:\(dovecot.imapsPort)"
        let message = Array("""
            From: Alice <alice@example.org>\r
            To: Bob <bob@example.org>\r
            Subject: sent by imapworker \u{00E9}t\u{00E9}\r
            Message-ID: <deliver-1@example.org>\r
            Date: Tue, 1 Dec 2026 20:00:00 +0000\r
            MIME-Version: 1.0\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            Hello Bob.\r

            """.utf8)
        let base = ["user_id": "u1", "login": login, "password": password, "server": server]
        func order(_ id: String, _ extra: [String: String]) -> [String: String] {
            base.merging(["order": "deliver", "order_id": id]) { $1 }.merging(extra) { $1 }
        }
        let orders: [[String: String]] = [
            order("to-sent", ["message": Data(message).base64EncodedString()]),
            order("to-named", ["message": Data(message).base64EncodedString(), "mailbox": "INBOX"]),
            order("bad-base64", ["message": "not base64 at all!"]),
            ["order": "deliver", "order_id": "unknown", "user_id": "u1", "identity_id": UUID().uuidString,
             "message": Data(message).base64EncodedString()],
            order("no-message", [:]),
        ]
        let file = directory.file("orders.json")
        try JSONSerialization.data(withJSONObject: orders).write(to: URL(fileURLWithPath: file))
        let replies = try jsonLines(try await runPython(Self.requests, [nats.url, file], directory: directory))
        #expect(replies.count == orders.count)
        func reply(_ id: String) -> [String: Any] { replies.first { $0["order_id"] as? String == id } ?? [:] }
        func code(_ id: String) -> String? { (reply(id)["error"] as? [String: Any])?["code"] as? String }

        #expect(reply("to-sent")["event"] as? String == "completed", "\(reply("to-sent"))")
        #expect(reply("to-sent")["mailbox"] as? String == "Sent Messages")
        #expect(reply("to-sent")["uid"] as? Int == 1)
        #expect((reply("to-sent")["stats"] as? [String: Any])?["messages_appended"] as? Int == 1)
        #expect(reply("to-named")["event"] as? String == "completed" && reply("to-named")["mailbox"] as? String == "INBOX")
        #expect(reply("bad-base64")["event"] as? String == "rejected" && code("bad-base64") == "bad_order")
        #expect((reply("bad-base64")["error"] as? [String: Any])?["message"] as? String
            == "field message must be a non-empty base64 string")
        #expect(reply("unknown")["event"] as? String == "failed" && code("unknown") == "unknown_identity", "\(reply("unknown"))")
        #expect(reply("no-message")["event"] as? String == "rejected" && code("no-message") == "bad_order")

        // A session of its own sees the message in Sent, \Seen, byte for byte.
        let digest = try await runCommand("/usr/bin/sha256sum", [try {
            let path = directory.file("message.eml")
            try Data(message).write(to: URL(fileURLWithPath: path))
            return path
        }()]).stdout.prefix(64)
        let sent = try await runPython(Self.readMailbox, [String(dovecot.imapsPort), dovecot.caFile, login, password,
                                                          "Sent Messages"], directory: directory)
        #expect(sent == ["SEEN \(digest)"], "\(sent)")
        let inbox = try await runPython(Self.readMailbox, [String(dovecot.imapsPort), dovecot.caFile, login, password,
                                                           "INBOX"], directory: directory)
        #expect(inbox.contains("SEEN \(digest)"), "\(inbox)")
        #expect(try await daemon.stop() == 0)
        #expect(!daemon.log.contains(password))
    }
}
