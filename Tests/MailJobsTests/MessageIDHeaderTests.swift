import MailJobs
import Testing

@Suite struct MessageIDHeaderTests {
    func id(_ text: String) -> String? { MessageIDHeader.value(in: Array(text.utf8)) }

    @Test func readFromTheHeaderBlockOnly() {
        #expect(id("From: a\r\nMessage-ID: <x@y>\r\n\r\nbody") == "<x@y>")
        #expect(id("message-id:<lower@case>\nSubject: s\n\nbody") == "<lower@case>")
        #expect(id("MESSAGE-ID:   <spaced@x>   \r\n\r\n") == "<spaced@x>")
        // Folded onto the next line (RFC 5322 §2.2.3).
        #expect(id("Message-Id:\r\n <folded@x>\r\nTo: b\r\n\r\n") == "<folded@x>")
        // In the body it is not a header.
        #expect(id("Subject: s\r\n\r\nMessage-ID: <body@x>\r\n") == nil)
        #expect(id("Subject: s\r\n\r\n") == nil)
        #expect(id("Message-ID-Extra: <no@x>\r\nX-Message-ID: <no@y>\r\n\r\n") == nil)
        #expect(id("") == nil)
        #expect(id("Message-ID:\r\n\r\n") == nil)
    }
}
