extension GrammarCursor {
    /// resp-text = ["[" resp-text-code "]" SP] text
    ///
    /// Tolerates a missing SP after `]`, an empty text, and a `[` with no `]` (then it is all text).
    mutating func respText() throws(GrammarError) -> (code: ResponseCode?, text: String) {
        skipSpaces()
        var code: ResponseCode?
        if peek() == UInt8(ascii: "[") {
            let start = index
            index += 1
            if let parsed = try? respTextCode(), peek() == UInt8(ascii: "]") {
                index += 1
                code = parsed
            } else if let close = rawCodeEnd(from: start + 1) {
                index = start + 1
                let name = try atom("expected response code")
                skipSpaces()
                let rawText = text(from: index, to: close)
                code = .other(name.uppercased(), rawText.isEmpty ? nil : rawText)
                index = close + 1
            } else {
                index = start
            }
            skipSpaces()
        }
        return (code, try restOfLine())
    }

    /// Index of the `]` ending a response code begun at `from`, skipping quoted strings; nil if
    /// the line ends first.
    private func rawCodeEnd(from: Int) -> Int? {
        var i = from
        var inQuote = false
        while i < end, let b = buffer.getInteger(at: i, as: UInt8.self), b != 0x0D, b != 0x0A {
            if inQuote {
                if b == UInt8(ascii: "\\") { i += 1 } else if b == UInt8(ascii: "\"") { inQuote = false }
            } else if b == UInt8(ascii: "\"") {
                inQuote = true
            } else if b == UInt8(ascii: "]") {
                return i
            }
            i += 1
        }
        return nil
    }

    /// resp-text-code = "ALERT" / "BADCHARSET" [SP "(" charset *(SP charset) ")"] / capability-data /
    ///     "PARSE" / "PERMANENTFLAGS" SP "(" [flag-perm *(SP flag-perm)] ")" / "READ-ONLY" /
    ///     "READ-WRITE" / "TRYCREATE" / "UIDNEXT" SP nz-number / "UIDVALIDITY" SP nz-number /
    ///     "UNSEEN" SP nz-number / atom [SP 1*<any TEXT-CHAR except "]">]
    /// resp-text-code =/ "HIGHESTMODSEQ" SP mod-sequence-value / "NOMODSEQ" /
    ///     "MODIFIED" SP sequence-set / "CLOSED"                                    ; RFC 7162
    /// resp-text-code =/ "APPENDUID" SP nz-number SP append-uid /
    ///     "COPYUID" SP nz-number SP uid-set SP uid-set / "UIDNOTSTICKY"             ; RFC 4315
    /// resp-text-code =/ "UNKNOWN-CTE"                                           ; RFC 3516
    /// resp-text-code =/ "NOUPDATE" SP quoted                                    ; RFC 5267
    /// resp-text-code =/ "NOTIFICATIONOVERFLOW" / "BADEVENT" SP "(" event *(SP event) ")" ; RFC 5465
    /// resp-text-code =/ "OVERQUOTA"                                             ; RFC 9208
    /// resp-text-code =/ "UNAVAILABLE" / "AUTHENTICATIONFAILED" / "AUTHORIZATIONFAILED" /
    ///     "EXPIRED" / "PRIVACYREQUIRED" / "CONTACTADMIN" / "NOPERM" / "INUSE" /
    ///     "EXPUNGEISSUED" / "CORRUPTION" / "SERVERBUG" / "CLIENTBUG" / "CANNOT" /
    ///     "LIMIT" / "OVERQUOTA" / "ALREADYEXISTS" / "NONEXISTENT"                ; RFC 5530
    /// resp-text-code =/ "HASCHILDREN"                                           ; RFC 9051
    mutating func respTextCode() throws(GrammarError) -> ResponseCode {
        let name = try bytes("expected response code") { Self.isAtomChar($0) }
        let upper = String(decoding: name.map(Self.upper), as: UTF8.self)
        if let code = Self.argumentlessCodes[upper] { return code }
        switch upper {
        case "NOUPDATE":
            try space()
            return .noUpdate(tag: String(decoding: try astring(), as: UTF8.self))
        case "BADEVENT":
            try space()
            return .badEvent(try list("expected event list") { (c: inout GrammarCursor) throws(GrammarError) in
                try c.atom("expected event")
            })
        case "CAPABILITY":
            return .capability(try capabilityList())
        case "PERMANENTFLAGS":
            try space()
            return .permanentFlags(try flagList())
        case "UIDNEXT":
            try space()
            return .uidNext(try nzNumber())
        case "UIDVALIDITY":
            try space()
            return .uidValidity(try uidValidity())
        case "UNSEEN":
            try space()
            return .unseen(try nzNumber())
        case "HIGHESTMODSEQ":
            try space()
            return .highestModSeq(try modSequence())
        case "MODIFIED":
            try space()
            return .modified(try sequenceSet())
        case "APPENDUID":
            try space()
            let validity = try uidValidity()
            try space()
            return .appendUID(uidValidity: validity, uids: try uidSet())
        case "COPYUID":
            try space()
            let validity = try uidValidity()
            try space()
            let source = try uidSet()
            try space()
            return .copyUID(uidValidity: validity, source: source, destination: try uidSet())
        case "BADCHARSET":
            guard peek() == UInt8(ascii: " ") else { return .badCharset([]) }
            try space()
            let names = try list("expected charset list") { (c: inout GrammarCursor) throws(GrammarError) in
                String(decoding: try c.astring(), as: UTF8.self)
            }
            return .badCharset(names)
        default:
            throw fail("unknown response code")
        }
    }

    /// The codes that take no argument, by upper-cased name.
    static let argumentlessCodes: [String: ResponseCode] = [
        "ALERT": .alert, "PARSE": .parse, "READ-ONLY": .readOnly, "READ-WRITE": .readWrite,
        "TRYCREATE": .tryCreate, "UIDNOTSTICKY": .uidNotSticky, "NOMODSEQ": .noModSeq, "CLOSED": .closed,
        "UNKNOWN-CTE": .unknownCTE, "NOTIFICATIONOVERFLOW": .notificationOverflow, "OVERQUOTA": .overQuota,
        "ALREADYEXISTS": .alreadyExists, "NONEXISTENT": .nonExistent, "CANNOT": .cannot, "LIMIT": .limit,
        "INUSE": .inUse, "SERVERBUG": .serverBug, "CLIENTBUG": .clientBug,
        "AUTHENTICATIONFAILED": .authenticationFailed, "AUTHORIZATIONFAILED": .authorizationFailed,
        "UNAVAILABLE": .unavailable, "EXPIRED": .expired, "PRIVACYREQUIRED": .privacyRequired,
        "CONTACTADMIN": .contactAdmin, "NOPERM": .noPerm, "EXPUNGEISSUED": .expungeIssued,
        "CORRUPTION": .corruption, "HASCHILDREN": .hasChildren,
    ]

    /// capability-data = "CAPABILITY" *(SP capability) SP "IMAP4rev1" *(SP capability)
    /// (the keyword already read; the IMAP4rev1 requirement is not enforced)
    mutating func capabilityList() throws(GrammarError) -> [Capability] {
        var caps: [Capability] = []
        while peek() == UInt8(ascii: " ") {
            skipSpaces()
            guard let b = peek(), Self.isAtomChar(b) else { break }
            caps.append(Capability(try atom("expected capability")))
        }
        return caps
    }
}
