import Foundation
import Testing
@testable import Worker

@Suite struct OrderParserTests {
    let parser = OrderParser(maxBytes: 4096, makeOrderID: { "generated" })
    static let identity = "3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b"

    @Test func caliopenFullfetchOrder() throws {
        let order = try parser.parse(Array("""
            {"order":"fullfetch","user_id":"u1","login":"alice","password":"s3cret","server":"imap.example.org:993",
             "mailbox":"INBOX","extra":"ignored"}
            """.utf8)).get()
        #expect(order.kind == .fullfetch)
        #expect(order.orderID == "generated")
        #expect(order.userID == "u1" && order.login == "alice" && order.server == "imap.example.org:993")
        #expect(order.password?.value == "s3cret")
        #expect(order.mailboxes == ["INBOX"])
        #expect(!"\(order)".contains("s3cret"))
    }

    @Test func identityOrderWithOurFields() throws {
        let order = try parser.parse(Array("""
            {"order":"sync","order_id":"o-7","user_id":"u1","identity_id":"\(Self.identity)",
             "mailboxes":["INBOX","Archive"],"reply_to":"replies"}
            """.utf8)).get()
        #expect(order.kind == .sync && order.orderID == "o-7")
        #expect(order.identityID == UUID(uuidString: Self.identity))
        #expect(order.mailboxes == ["INBOX", "Archive"])
        #expect(order.replyTo == "replies")
        #expect(order.accountKey == "identity:\(Self.identity)")
    }

    @Test func addremoteReadsPushAndAScheduledSyncCoalescesWithABusSync() throws {
        let add = #"{"order":"addremote","user_id":"u1","login":"a","server":"h:1","push":true}"#
        #expect(try parser.parse(Array(add.utf8)).get().push == true)
        let none = #"{"order":"addremote","user_id":"u1","login":"a","server":"h:1"}"#
        #expect(try parser.parse(Array(none.utf8)).get().push == nil)
        let bad = #"{"order":"addremote","user_id":"u1","login":"a","server":"h:1","push":"yes"}"#
        #expect(throws: OrderRejection.self) { try parser.parse(Array(bad.utf8)).get() }
        // The scheduler's order (BackgroundSyncs) and a bus order for the whole identity join one run.
        let bus = try parser.parse(Array(#"{"order":"sync","user_id":"u1","identity_id":"\#(Self.identity)"}"#.utf8)).get()
        let scheduled = Order(kind: .sync, orderID: "schedule-1", userID: "u1", identityID: UUID(uuidString: Self.identity))
        #expect(scheduled.coalescingSignature == bus.coalescingSignature && scheduled.accountKey == bus.accountKey)
    }

    @Test(arguments: ["test", "status"]) func ordersWithoutFields(kind: String) throws {
        let order = try parser.parse(Array(#"{"order":"\#(kind)"}"#.utf8)).get()
        #expect(order.kind.rawValue == kind)
    }

    @Test func coalescingSignatureOnlyForFetchAndSync() throws {
        let fetch = try parser.parse(Array(#"{"order":"fullfetch","user_id":"u","login":"a","server":"h:1"}"#.utf8)).get()
        let test = try parser.parse(Array(#"{"order":"test"}"#.utf8)).get()
        #expect(fetch.coalescingSignature != nil)
        #expect(test.coalescingSignature == nil && test.accountKey == nil)
    }

    /// 100 malformed orders of different kinds: each is refused with a reason, none crashes,
    /// and no reason quotes the password.
    @Test func hundredMalformedOrdersAreRejected() {
        let cases = MalformedOrders.all
        #expect(cases.count == 100)
        for bytes in cases {
            switch parser.parse(bytes) {
            case .success(let order):
                Issue.record("accepted a malformed order: \(String(decoding: bytes, as: UTF8.self)) → \(order.kind)")
            case .failure(let rejection):
                #expect(!rejection.reason.isEmpty)
                #expect(!rejection.reason.contains(MalformedOrders.password))
            }
        }
    }

    @Test func rejectionKeepsWhatCouldBeRead() {
        let result = parser.parse(Array(#"{"order":"fullfetch","order_id":"o-1","user_id":"u1"}"#.utf8))
        guard case .failure(let rejection) = result else { Issue.record("accepted"); return }
        #expect(rejection.orderID == "o-1" && rejection.userID == "u1" && rejection.kind == "fullfetch")
        #expect(rejection.reason == "missing field login (or identity_id)")
    }

    @Test(arguments: [
        (#"{"order":1}"#, "field order must be a string"),
        (#"{"order":"explode"}"#, "unknown order explode"),
        (#"[1,2]"#, "an order must be a JSON object"),
        (#"{"order":"#, "not valid JSON"),
        (#"{"order":"fullfetch","user_id":"u","identity_id":"nope"}"#, "field identity_id must be a UUID"),
        (#"{"order":"fullfetch","user_id":"u","identity_id":"\#(identity)","mailboxes":"INBOX"}"#,
         "field mailboxes must be a list of strings"),
    ])
    func reasons(document: String, reason: String) {
        guard case .failure(let rejection) = parser.parse(Array(document.utf8)) else { Issue.record("accepted"); return }
        #expect(rejection.reason == reason)
    }
}

/// The table of malformed orders, shared with the end-to-end test (100 documents).
enum MalformedOrders {
    static let password = "hunter2-do-not-leak"

    static var all: [[UInt8]] {
        var out: [String] = []
        // Not JSON at all, or broken JSON (20).
        out += ["", " ", "not json", "{", "}", "{\"order\":", "{\"order\":\"fullfetch\"", "{'order':'test'}", "{order:test}",
                "\u{0}", "{\"order\":\"test\",}", "[", "\"unterminated", "{\"a\":1}{\"b\":2}", "nul", "tru",
                "{\"order\":\"test\" \"x\":1}", "{\"order\":\u{7}}", "\u{FEFF}", "{\"password\":\"\(password)\""]
        // Valid JSON that is not an object (10).
        out += ["[]", "[{\"order\":\"test\"}]", "1", "-0.5", "true", "false", "null", "\"fullfetch\"", "[1,2,3]",
                "\"{\\\"order\\\":\\\"test\\\"}\""]
        // Unknown or missing order (15).
        for name in ["", "FULLFETCH", "fetch", "need_job", "delete", " test", "test ", "Status", "sync2", "drop table"] {
            out.append(#"{"order":"\#(name)","user_id":"u"}"#)
        }
        out += [#"{}"#, #"{"user_id":"u"}"#, #"{"login":"a","password":"\#(password)"}"#, #"{"orders":"test"}"#,
                #"{"Order":"test"}"#]
        // Mistyped fields (30).
        let base = [("order", #""fullfetch""#), ("user_id", #""u""#), ("login", #""a""#), ("server", #""h:1""#),
                    ("password", #""\#(password)""#)]
        for field in ["order", "order_id", "user_id", "identity_id", "login", "password", "server", "mailbox", "reply_to"] {
            for value in ["1", "true", "{}"] {
                let members = base.filter { $0.0 != field } + [(field, value)]
                out.append("{" + members.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}")
            }
        }
        out += [#"{"order":"fullfetch","user_id":"u","login":"a","server":"h:1","mailboxes":[1]}"#,
                #"{"order":"fullfetch","user_id":"u","login":"a","server":"h:1","mailboxes":{"a":1}}"#,
                #"{"order":"fullfetch","user_id":"u","login":"a","server":"h:1","mailboxes":[""]}"#]
        // Missing fields for the kind (15).
        out += [#"{"order":"fullfetch"}"#, #"{"order":"fullfetch","login":"a","server":"h:1"}"#,
                #"{"order":"fullfetch","user_id":"u"}"#, #"{"order":"fullfetch","user_id":"u","login":"a"}"#,
                #"{"order":"fullfetch","user_id":"u","server":"h:1","password":"\#(password)"}"#,
                #"{"order":"sync"}"#, #"{"order":"sync","identity_id":"3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b"}"#,
                #"{"order":"deliver","login":"a"}"#, #"{"order":"addremote"}"#, #"{"order":"addremote","user_id":"u"}"#,
                #"{"order":"addremote","user_id":"u","login":"a"}"#, #"{"order":"addremote","login":"a","server":"h:1"}"#,
                #"{"order":"fullfetch","user_id":"u","identity_id":"3f2b8c1e"}"#,
                #"{"order":"fullfetch","user_id":"u","identity_id":""}"#,
                #"{"order":"test","order_id":""}"#]
        // Oversized (5), and deeply nested (5).
        let big = String(repeating: "x", count: 70_000)
        out += (0..<5).map { #"{"order":"test","pad\#($0)":"\#(big)"}"# }
        out += [1, 10, 100, 1000, 100_000].map { depth in
            String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        }
        return out.map { Array($0.utf8) }
    }
}

@Suite struct StrictJSONTests {
    @Test(arguments: [(#"{"a":1,}"#, true), (#"[1, ]"#, true), (#"{"a":",}"}"#, false), (#"{"a":"\",}"}"#, false),
                      (#"{"a":[1,2],"b":{}}"#, false)])
    func trailingCommas(text: String, trailing: Bool) {
        #expect(OrderParser.hasTrailingComma(Array(text.utf8)) == trailing)
    }
}
