import Foundation
import IMAPCore
import MailJobs
import SyncEngine
import Testing
import TestSupport
@testable import Worker

/// Events as JSON, byte for byte: these documents are also the examples of docs/bus-contract.md.
@Suite struct EventEncodingTests {
    static let received = Date(timeIntervalSince1970: 1_764_620_000.125)
    static let started = Date(timeIntervalSince1970: 1_764_620_000.250)
    static let finished = Date(timeIntervalSince1970: 1_764_620_012.750)
    let factory = EventFactory(worker: "worker-1")

    private func ticket(_ document: String) throws -> OrderTicket {
        let order = try OrderParser().parse(Array(document.utf8)).get()
        return OrderTicket(order: order, receivedAt: Self.received, replier: NoReplier(), source: "test")
    }

    static let completedExample = #"{"at":"2025-12-01T20:13:32.750Z","attempts":1,"duration_seconds":12.5,"event":"completed","finished_at":"2025-12-01T20:13:32.750Z","order":"fullfetch","order_id":"o-42","received_at":"2025-12-01T20:13:20.125Z","started_at":"2025-12-01T20:13:20.250Z","stats":{"bytes":1843200,"expunged":0,"flags_updated":0,"mailboxes":1,"messages_appended":60,"messages_fetched":60,"messages_moved":0},"user_id":"u1","worker":"worker-1"}"#

    static let failedExample = #"{"at":"2025-12-01T20:13:32.750Z","attempts":1,"coalesced_with":["o-43"],"duration_seconds":12.5,"error":{"code":"auth_failed","message":"authentication failed: [AUTHENTICATIONFAILED] Authentication failed."},"event":"failed","finished_at":"2025-12-01T20:13:32.750Z","identity_id":"3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b","order":"sync","order_id":"o-42","received_at":"2025-12-01T20:13:20.125Z","started_at":"2025-12-01T20:13:20.250Z","stats":{"bytes":0,"expunged":0,"flags_updated":0,"mailboxes":0,"messages_appended":0,"messages_fetched":0,"messages_moved":0},"user_id":"u1","worker":"worker-1"}"#

    static let rejectedExample = #"{"at":"2025-12-01T20:13:20.125Z","error":{"code":"bad_order","message":"missing field login (or identity_id)"},"event":"rejected","order":"fullfetch","order_id":"o-44","user_id":"u1","worker":"worker-1"}"#

    @Test func completed() throws {
        var stats = JobStats()
        stats.mailboxes = 1
        stats.messagesFetched = 60
        stats.messagesAppended = 60
        stats.bytes = 1_843_200
        let order = try ticket(#"{"order":"fullfetch","order_id":"o-42","user_id":"u1","login":"alice","password":"pw","server":"h:993"}"#)
        let event = factory.final(order, outcome: JobOutcome(result: .success(JobResult(stats: stats)), attempts: 1, stats: stats),
                                  run: [order], startedAt: Self.started, finishedAt: Self.finished)
        #expect(String(decoding: event.encoded(), as: UTF8.self) == Self.completedExample)
        #expect(try WorkerEvent.decode(event.encoded()) == event)
    }

    @Test func failedAndCoalesced() throws {
        let identity = "3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b"
        let first = try ticket(#"{"order":"sync","order_id":"o-42","user_id":"u1","identity_id":"\#(identity)"}"#)
        let second = try ticket(#"{"order":"sync","order_id":"o-43","user_id":"u1","identity_id":"\#(identity)"}"#)
        let failure = JobFailure(.authFailed, "authentication failed: [AUTHENTICATIONFAILED] Authentication failed.")
        let event = factory.final(first, outcome: JobOutcome(result: .failure(failure), attempts: 1, stats: JobStats()),
                                  run: [first, second], startedAt: Self.started, finishedAt: Self.finished)
        #expect(String(decoding: event.encoded(), as: UTF8.self) == Self.failedExample)
    }

    @Test func rejected() {
        let rejection = OrderRejection("missing field login (or identity_id)", orderID: "o-44", kind: "fullfetch", userID: "u1")
        let event = factory.rejected(rejection, at: Self.received)
        #expect(String(decoding: event.encoded(), as: UTF8.self) == Self.rejectedExample)
    }

    static let deliveredExample = #"{"at":"2025-12-01T20:13:32.750Z","attempts":1,"duration_seconds":12.5,"event":"completed","finished_at":"2025-12-01T20:13:32.750Z","identity_id":"3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b","mailbox":"Sent","order":"deliver","order_id":"o-45","received_at":"2025-12-01T20:13:20.125Z","started_at":"2025-12-01T20:13:20.250Z","stats":{"bytes":2048,"expunged":0,"flags_updated":0,"mailboxes":1,"messages_appended":1,"messages_fetched":0,"messages_moved":0},"uid":812,"uidvalidity":1733000000,"user_id":"u1","worker":"worker-1"}"#

    static let deactivatedExample = #"{"at":"2025-12-01T20:13:32.750Z","event":"identity_deactivated","identity_id":"3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b","order":"fullfetch","order_id":"o-46","reason":"failing since 2025-11-28T20:00:00Z (52 failed checks): auth_failed: authentication failed: [AUTHENTICATIONFAILED] Authentication failed.","received_at":"2025-12-01T20:13:20.125Z","user_id":"u1","worker":"worker-1"}"#

    static let messageNewExample = #"{"at":"2025-12-01T20:13:21.500Z","event":"message.new","identity_id":"3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b","mailbox":"INBOX","message_id":"<20251201.4711@example.org>","order_id":"o-42","size":30720,"uid":4711,"uidvalidity":1733000000,"user_id":"u1","worker":"worker-1"}"#

    @Test func delivered() throws {
        let identity = "3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b"
        let order = try ticket(#"{"order":"deliver","order_id":"o-45","user_id":"u1","identity_id":"\#(identity)","message":"aGk="}"#)
        var stats = JobStats()
        stats.mailboxes = 1
        stats.messagesAppended = 1
        stats.bytes = 2048
        var result = JobResult(stats: stats)
        (result.mailbox, result.uid, result.uidValidity) = ("Sent", 812, 1_733_000_000)
        let event = factory.final(order, outcome: JobOutcome(result: .success(result), attempts: 1, stats: stats),
                                  run: [order], startedAt: Self.started, finishedAt: Self.finished)
        #expect(String(decoding: event.encoded(), as: UTF8.self) == Self.deliveredExample)
    }

    @Test func identityDeactivated() throws {
        let identity = "3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b"
        let order = try ticket(#"{"order":"fullfetch","order_id":"o-46","user_id":"u1","identity_id":"\#(identity)"}"#)
        var event = factory.event(.identityDeactivated, for: order, at: Self.finished)
        event.reason = "failing since 2025-11-28T20:00:00Z (52 failed checks): auth_failed: authentication failed: [AUTHENTICATIONFAILED] Authentication failed."
        #expect(String(decoding: event.encoded(), as: UTF8.self) == Self.deactivatedExample)
    }

    @Test func messageNew() throws {
        let message = CommittedMessage(mailbox: "INBOX", uid: 4711, uidValidity: 1_733_000_000,
                                       messageID: "<20251201.4711@example.org>", size: 30720)
        let event = MessageEvent(worker: "worker-1", at: Date(timeIntervalSince1970: 1_764_620_001.5), orderID: "o-42",
                                 userID: "u1", identityID: "3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b", message: message)
        #expect(String(decoding: event.encoded(), as: UTF8.self) == Self.messageNewExample)
        #expect(try MessageEvent.decode(event.encoded()) == event)
    }

    static let messageMovedExample = #"{"at":"2025-12-01T20:13:21.500Z","event":"message.moved","flags":["$Label1","\\Seen"],"from_local_uid":12,"from_mailbox":"INBOX","identity_id":"3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b","local_uid":301,"local_uidvalidity":1764000000,"mailbox":"Archive","message_id":"<20251201.4711@example.org>","order_id":"o-43","size":30720,"uid":88,"uidvalidity":1733000007,"user_id":"u1","worker":"worker-1"}"#

    /// A sync's change in the local account: `uid` the remote message, `local_uid` the local one.
    @Test func messageMovedBySync() throws {
        var change = AppliedChange(.moved, side: .local, mailbox: "Archive", uid: UID(rawValue: 301)!, uidValidity: 1_764_000_000,
                                   counterpart: UID(rawValue: 88)!, counterpartUIDValidity: 1_733_000_007,
                                   messageID: "<20251201.4711@example.org>", size: 30720, flags: ["\\Seen", "$Label1"])
        change.movedFromMailbox = "INBOX"
        change.movedFromUID = UID(rawValue: 12)!
        var event = MessageEvent(change, worker: "worker-1", orderID: "o-43", userID: "u1",
                                 identityID: "3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b")
        event.at = Date(timeIntervalSince1970: 1_764_620_001.5)
        #expect(String(decoding: event.encoded(), as: UTF8.self) == Self.messageMovedExample)
        #expect(try MessageEvent.decode(event.encoded()) == event)
    }

    @Test func examplesAppearInTheDocs() throws {
        let docs = try String(contentsOfFile: "\(packageRoot)/docs/bus-contract.md", encoding: .utf8)
        for example in [Self.completedExample, Self.failedExample, Self.rejectedExample, Self.deliveredExample,
                        Self.deactivatedExample, Self.messageNewExample, Self.messageMovedExample] {
            #expect(docs.contains(example), "docs/bus-contract.md lacks \(example)")
        }
    }

    @Test func everyErrorCodeIsDocumented() throws {
        let docs = try String(contentsOfFile: "\(packageRoot)/docs/bus-contract.md", encoding: .utf8)
        for code in ErrorCode.allCases { #expect(docs.contains("`\(code.rawValue)`"), "\(code.rawValue)") }
    }
}

struct NoReplier: OrderReplier {
    func publish(_ event: WorkerEvent) async {}
    func finish(_ event: WorkerEvent) async {}
    func reject(_ event: WorkerEvent) async {}
    func keepAlive() async {}
    func release() async {}
}
