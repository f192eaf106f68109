import BusTransport
import RedisStreams
import Testing

struct OrderDocumentScanTests {
    @Test(arguments: [
        #"{}"#, #" {"a":1} "#, #"{"a":[1,-2.5e3,true,false,null,{"b":"c\"\\\/\b\f\n\r\t\u00e9"}]}"#,
        #"{"n":0,"x":-0.0,"y":1E+2}"#,
    ])
    func validObjects(text: String) throws {
        _ = try OrderDocumentScan(Array(text.utf8))
    }

    @Test(arguments: [
        "", "[1,2]", "42", "\"s\"", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":01}", "{\"a\":1.}",
        "{\"a\":tru}", "{\"a\":\"\u{01}\"}", "{\"a\":\"\\x\"}", "{} x", "{\"a\":\"unterminated}", "{not json",
    ])
    func invalidDocuments(text: String) {
        #expect(throws: OrderDocumentScan.Invalid.self) { try OrderDocumentScan(Array(text.utf8)) }
    }

    @Test func replyToIsFoundAtTopLevelOnly() throws {
        #expect(try OrderDocumentScan(Array(#"{"type":"x","reply_to":"replies:\u0041b"}"#.utf8)).replyTo == "replies:Ab")
        #expect(try OrderDocumentScan(Array(#"{"inner":{"reply_to":"no"}}"#.utf8)).replyTo == nil)
        #expect(try OrderDocumentScan(Array(#"{"reply_to":5}"#.utf8)).replyTo == nil)
    }

    @Test func nestingIsBounded() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: OrderDocumentScan.Invalid.self) { try OrderDocumentScan(Array("{\"a\":\(deep)}".utf8)) }
        let fine = String(repeating: "[", count: 20) + String(repeating: "]", count: 20)
        #expect(throws: Never.self) { try OrderDocumentScan(Array("{\"a\":\(fine)}".utf8)) }
    }

    @Test func jsonTextEscapes() {
        #expect(JSONText.quoted("a\"b\\c\n\u{01}") == #""a\"b\\c\n\u0001""#)
    }
}

struct OrderRedactionTests {
    @Test(arguments: [
        (#"{"login":"u","password":"hunter2"}"#, #"{"login":"u","password":"<redacted>"}"#),
        (#"{"a":{"token":"t","access_token":{"x":[1,"s"]}},"oauth_token" : 42}"#,
         #"{"a":{"token":"<redacted>","access_token":"<redacted>"},"oauth_token" : "<redacted>"}"#),
        (#"{"password":{"token":"inner"}}"#, #"{"password":"<redacted>"}"#),
        (#"{"passwords":"kept","reply_to":"r"}"#, #"{"passwords":"kept","reply_to":"r"}"#),
        (#"{"pass\u0077ord":"escaped-name"}"#, #"{"pass\u0077ord":"<redacted>"}"#),
        ("not json password=hunter2", #""<unparsable order redacted>""#),
    ])
    func secretsAreRedactedAtAnyDepth(input: String, expected: String) {
        #expect(String(decoding: OrderDocumentScan.redacted(Array(input.utf8)), as: UTF8.self) == expected)
    }
}
