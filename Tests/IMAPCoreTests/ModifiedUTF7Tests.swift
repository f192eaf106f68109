import IMAPCore
import Testing

@Suite("Modified UTF-7")
struct ModifiedUTF7Tests {
    static let pairs: [(String, String)] = [
        ("Lists/Développement", "Lists/D&AOk-veloppement"),
        ("&", "&-"),
        ("a&b", "a&-b"),
        ("INBOX", "INBOX"),
        ("", ""),
        ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),
        ("😀", "&2D3eAA-"),
        ("x😀y€", "x&2D3eAA-y&IKw-"),
        ("Résumé & co", "R&AOk-sum&AOk- &- co"),
        ("tab\there", "tab&AAk-here"),
    ]

    @Test("encode", arguments: pairs)
    func encode(_ pair: (String, String)) {
        #expect(ModifiedUTF7.encode(pair.0) == pair.1)
    }

    @Test("decode", arguments: pairs)
    func decode(_ pair: (String, String)) throws {
        #expect(try ModifiedUTF7.decode(pair.1) == pair.0)
    }

    @Test("rejects malformed input", arguments: [
        "&AOk",          // unterminated
        "&",             // unterminated at end
        "&A!k-",         // bad base64 character
        "&AGE-",         // encodes printable ASCII "a"
        "&AO-",          // odd byte count (one byte)
        "&AOkA-",        // odd byte count (three bytes)
        "&2D0-",         // lone high surrogate
        "&AOl-",         // stray non-zero bits
        "Entwürfe",      // raw 8-bit
        "a\u{1}b",       // control character
    ])
    func rejects(_ input: String) {
        #expect(throws: IMAPParseError.self) { try ModifiedUTF7.decode(input) }
    }

    @Test func errorExcerptIsShort() {
        let long = "&" + String(repeating: "A", count: 500)
        do {
            _ = try ModifiedUTF7.decode(long)
            Issue.record("expected an error")
        } catch {
            #expect(error.reason.utf8.count <= 140)
            #expect(error.reason.contains("unterminated"))
        }
    }

    @Test func roundTripsEveryPlaneSample() throws {
        let samples = ["Ω", "日本", "𝄞 music", "a&b&c", "мой ящик/входящие", "\u{7F}x", "ǅ"]
        for sample in samples {
            #expect(try ModifiedUTF7.decode(ModifiedUTF7.encode(sample)) == sample)
        }
    }
}
