import NIOCore

/// One step through a `* n FETCH (…)` response.
enum FetchStep {
    case attribute(FetchAttribute)
    /// The closing `)` and CRLF.
    case finish
    /// A body whose literal header ends exactly where the input ends: its bytes follow.
    case bodyLiteral(section: String, origin: UInt32?, size: Int)
    /// A body given as a quoted string, NIL (nil) or a literal whose bytes are already present.
    case bodyInline(section: String, origin: UInt32?, bytes: ByteBuffer?)
}

extension GrammarCursor {
    /// message-data = nz-number SP "FETCH" SP msg-att, up to msg-att's opening `(`:
    /// `"*" SP nz-number SP "FETCH" SP "("`. Returns the sequence number.
    mutating func fetchPrefix() throws(GrammarError) -> UInt32 {
        try expect(UInt8(ascii: "*"), "expected *")
        try space()
        let sequence = try nzNumber()
        try space()
        guard consumeKeyword("FETCH") else { throw fail("expected FETCH") }
        try space()
        try openList("expected ( after FETCH")
        return sequence
    }

    /// msg-att = "(" (msg-att-dynamic / msg-att-static) *(SP (msg-att-dynamic / msg-att-static)) ")"
    /// msg-att-dynamic = "FLAGS" SP "(" [flag-fetch *(SP flag-fetch)] ")"
    /// msg-att-static = "ENVELOPE" SP envelope / "INTERNALDATE" SP date-time /
    ///     "RFC822" [".HEADER" / ".TEXT"] SP nstring / "RFC822.SIZE" SP number /
    ///     "BODY" ["STRUCTURE"] SP body / "BODY" section ["<" number ">"] SP nstring /
    ///     "UID" SP uniqueid
    /// msg-att-static =/ "BINARY" section-binary SP (nstring / literal8) /
    ///     "BINARY.SIZE" section-binary SP number                                  ; RFC 3516
    /// fetch-mod-resp = "MODSEQ" SP "(" permsg-modsequence ")"                     ; RFC 7162
    /// msg-att-static =/ "EMAILID" SP "(" objectid ")" / "THREADID" SP ( "(" objectid ")" / nil ) ; RFC 8474
    /// Gmail: "X-GM-MSGID" SP number64 / "X-GM-THRID" SP number64 /
    ///     "X-GM-LABELS" SP "(" [(flag / astring) *(SP (flag / astring))] ")"
    ///
    /// Reads the next item after the `(` (or after the previous item), or the closing `)` CRLF.
    mutating func fetchStep() throws(GrammarError) -> FetchStep {
        skipSpaces()
        guard let first = peek() else { throw .incomplete }
        if first == UInt8(ascii: ")") {
            try closeList("expected )")
            try crlf()
            return .finish
        }
        let nameStart = index
        let base = String(decoding: try bytes("expected fetch item") {
            Self.isAtomChar($0) && $0 != UInt8(ascii: "[") && $0 != UInt8(ascii: "<")
        }.map(Self.upper), as: UTF8.self)
        var section: String?
        var origin: UInt32?
        if peek() == UInt8(ascii: "[") {
            let open = index
            try skipBracketed()
            section = text(from: open + 1, to: index - 1)
            if peek() == UInt8(ascii: "<") {
                index += 1
                origin = try number32()
                try expect(UInt8(ascii: ">"), "expected >")
            }
        }
        let fullName = text(from: nameStart, to: index).uppercased()
        try space()

        let step: FetchStep
        switch (base, section) {
        case ("UID", nil):
            step = .attribute(.uid(try uniqueID()))
        case ("FLAGS", nil):
            step = .attribute(.flags(try flagList()))
        case ("MODSEQ", nil):
            try openList("expected ( after MODSEQ")
            let value = try modSequence()
            try closeList("expected ) after MODSEQ value")
            step = .attribute(.modSeq(value))
        case ("INTERNALDATE", nil):
            step = .attribute(.internalDate(try dateTime()))
        case ("RFC822.SIZE", nil):
            let size = try number()
            guard let value = Int(exactly: size) else { throw fail("size out of range") }
            step = .attribute(.rfc822Size(value))
        case ("RFC822", nil):
            step = try bodyValue(section: "", origin: nil)
        case ("RFC822.HEADER", nil):
            step = try bodyValue(section: "HEADER", origin: nil)
        case ("RFC822.TEXT", nil):
            step = try bodyValue(section: "TEXT", origin: nil)
        case ("BODY", let section?), ("BINARY", let section?):
            step = try bodyValue(section: section, origin: origin)
        case ("BINARY.SIZE", let section?):
            step = .attribute(.binarySize(section: section, size: try number()))
        case ("EMAILID", nil):
            step = .attribute(.emailID(try parenthesizedObjectID()))
        case ("THREADID", nil):
            step = .attribute(.threadID(consumeKeyword("NIL") ? nil : try parenthesizedObjectID()))
        case ("X-GM-MSGID", nil):
            step = .attribute(.gmailMessageID(try number()))
        case ("X-GM-THRID", nil):
            step = .attribute(.gmailThreadID(try number()))
        case ("X-GM-LABELS", nil):
            step = .attribute(.gmailLabels(try list("expected label list") { (c: inout GrammarCursor) throws(GrammarError) in
                c.peek() == UInt8(ascii: "\\") ? try c.flag().rawValue : String(decoding: try c.astring(), as: UTF8.self)
            }))
        default:
            step = .attribute(.raw(name: fullName, value: try skipValue()))
        }
        if case .bodyLiteral = step { return step }
        // Items are separated by SP; the list ends with ")".
        guard let next = peek() else { throw .incomplete }
        guard next == UInt8(ascii: " ") || next == UInt8(ascii: ")") else { throw fail("expected SP or ) after fetch item") }
        return step
    }

    /// nstring / literal8 as a message body.
    private mutating func bodyValue(section: String, origin: UInt32?) throws(GrammarError) -> FetchStep {
        guard let first = peek() else { throw .incomplete }
        switch first {
        case UInt8(ascii: "{"), UInt8(ascii: "~"):
            let size = try literalHeader()
            if atEnd { return .bodyLiteral(section: section, origin: origin, size: size) }
            guard end - index >= size, let slice = buffer.getSlice(at: index, length: size) else { throw .incomplete }
            index += size
            return .bodyInline(section: section, origin: origin, bytes: slice)
        case UInt8(ascii: "\""):
            return .bodyInline(section: section, origin: origin, bytes: ByteBuffer(bytes: try quoted()))
        default:
            guard consumeKeyword("NIL") else {
                if atEnd { throw .incomplete }
                throw fail("expected body (string, literal or NIL)")
            }
            return .bodyInline(section: section, origin: origin, bytes: nil)
        }
    }
}
