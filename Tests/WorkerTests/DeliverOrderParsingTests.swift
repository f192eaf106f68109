import Foundation
import Testing
@testable import Worker

/// The `deliver` fields: a base64 message or a local one, one destination mailbox at most.
@Suite struct DeliverOrderParsingTests {
    let parser = OrderParser(maxBytes: 4096, makeOrderID: { "generated" })
    static let identity = "3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b"

    func parse(_ json: String) -> Result<Order, OrderRejection> { parser.parse(Array(json.utf8)) }

    @Test func base64MessageToTheSentMailbox() throws {
        let raw = "Subject: hi\r\n\r\nbody\r\n"
        let order = try parse(#"{"order":"deliver","user_id":"u1","identity_id":"\#(Self.identity)","message":"\#(Data(raw.utf8).base64EncodedString())"}"#).get()
        #expect(order.kind == .deliver && order.message == Array(raw.utf8) && order.mailboxes.isEmpty)
        #expect(order.localMessage == nil)
    }

    @Test func localMessageToANamedMailbox() throws {
        let order = try parse(#"{"order":"deliver","user_id":"u1","login":"a","server":"h:993","local_mailbox":"Drafts","local_uid":"7","mailbox":"Sent"}"#).get()
        #expect(order.localMessage == .init(mailbox: "Drafts", uid: 7) && order.mailboxes == ["Sent"])
    }

    @Test(arguments: [
        (#"{"order":"deliver","user_id":"u1","identity_id":"\#(identity)","message":"not base64!"}"#,
         "field message must be a non-empty base64 string"),
        (#"{"order":"deliver","user_id":"u1","identity_id":"\#(identity)","message":""}"#,
         "field message must be a non-empty base64 string"),
        (#"{"order":"deliver","user_id":"u1","identity_id":"\#(identity)"}"#,
         "missing field message (or local_mailbox and local_uid)"),
        (#"{"order":"deliver","user_id":"u1","identity_id":"\#(identity)","message":"aGk=","local_mailbox":"D","local_uid":"1"}"#,
         "give message or local_mailbox, not both"),
        (#"{"order":"deliver","user_id":"u1","identity_id":"\#(identity)","local_mailbox":"D","local_uid":"0"}"#,
         "field local_uid must be a UID (1 to 4294967295) with local_mailbox"),
        (#"{"order":"deliver","user_id":"u1","identity_id":"\#(identity)","local_uid":"3"}"#,
         "field local_uid needs local_mailbox"),
        (#"{"order":"deliver","user_id":"u1","identity_id":"\#(identity)","message":"aGk=","mailboxes":["A","B"]}"#,
         "deliver files a message in one mailbox"),
        (#"{"order":"deliver","identity_id":"\#(identity)","message":"aGk="}"#, "missing field user_id"),
        (#"{"order":"deliver","user_id":"u1","message":"aGk="}"#, "missing field login (or identity_id)"),
        (#"{"order":"deliver","user_id":"u1","identity_id":"\#(identity)","message":42}"#, "field message must be a string"),
    ])
    func refused(json: String, reason: String) {
        guard case .failure(let rejection) = parse(json) else {
            Issue.record("accepted: \(json)")
            return
        }
        #expect(rejection.reason == reason)
        #expect(rejection.kind == "deliver")
    }
}
