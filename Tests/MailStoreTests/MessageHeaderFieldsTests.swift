import MailStore
import Testing

@Suite struct MessageHeaderFieldsTests {
    private func fields(_ text: String) -> MessageHeaderFields { MessageHeaderFields(parsing: Array(text.utf8)) }

    @Test func foldedAndEncodedSubjectsAreDecoded() {
        let cases: [(String, String)] = [
            ("Subject: plain\r\n", "plain"),
            ("Subject: a long\r\n  folded\r\n\tline\r\n", "a long  folded\tline"),
            ("Subject: =?UTF-8?B?w6l0w6k=?=\r\n", "été"),
            ("Subject: =?iso-8859-1?Q?caf=E9_cr=E8me?=\r\n", "café crème"),
            ("Subject: =?UTF-8?Q?a?= =?UTF-8?Q?b?= c\r\n", "ab c"),  // blanks between encoded words dropped
            ("Subject: =?KOI8-R?B?8NLJ18XU?= x\r\n", "=?KOI8-R?B?8NLJ18XU?= x"),  // unknown charset kept as is
            ("Subject: 50% =? not a word\r\n", "50% =? not a word"),
        ]
        for (header, subject) in cases {
            #expect(fields(header + "\r\nbody\r\n").subject == subject, "\(header)")
        }
    }

    @Test func theHeaderEndsAtTheFirstEmptyLineAndTheFirstFieldWins() {
        let parsed = fields("""
            From: a@example.org
            message-id:   <first@example.org>
            Message-ID: <second@example.org>

            Subject: in the body
            """)
        #expect(parsed.messageID == "<first@example.org>")
        #expect(parsed.subject == nil)
        #expect(fields("").messageID == nil)
        #expect(fields("Subject\r\nno colon\r\n").subject == nil)
    }
}
