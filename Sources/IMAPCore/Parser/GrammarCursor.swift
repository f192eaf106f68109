import NIOCore

/// Why a grammar rule stopped: the bytes ran out (the caller may wait for more) or they are wrong.
enum GrammarError: Error {
    case incomplete
    case invalid(IMAPParseError)
}

/// A read position over `buffer[index..<end]` with the byte-level rules of RFC 3501 §9 that
/// every other rule is built from. It never reads past `end`, and counts list nesting against
/// a budget so hostile input cannot recurse without bound.
struct GrammarCursor {
    let buffer: ByteBuffer
    var index: Int
    let end: Int
    private(set) var depth: Int
    let maxDepth: Int

    init(buffer: ByteBuffer, start: Int, end: Int, depth: Int = 0, maxDepth: Int) {
        self.buffer = buffer
        self.index = start
        self.end = end
        self.depth = depth
        self.maxDepth = maxDepth
    }

    var atEnd: Bool { index >= end }

    func peek(_ offset: Int = 0) -> UInt8? {
        guard index + offset < end else { return nil }
        return buffer.getInteger(at: index + offset, as: UInt8.self)
    }

    /// An `.invalid` error naming `rule`, with up to 40 bytes from the current position.
    func fail(_ rule: String) -> GrammarError {
        let available = max(0, min(40, end - index))
        let bytes = buffer.getBytes(at: index, length: available) ?? []
        return .invalid(.invalid(rule, excerpt: IMAPParseError.excerpt(bytes)))
    }

    mutating func byte() throws(GrammarError) -> UInt8 {
        guard let b = peek() else { throw .incomplete }
        index += 1
        return b
    }

    mutating func expect(_ expected: UInt8, _ rule: String) throws(GrammarError) {
        guard let b = peek() else { throw .incomplete }
        guard b == expected else { throw fail(rule) }
        index += 1
    }

    /// `SP`; servers sometimes send two, so extra spaces are accepted.
    mutating func space() throws(GrammarError) {
        try expect(UInt8(ascii: " "), "expected SP")
        skipSpaces()
    }

    mutating func skipSpaces() {
        while peek() == UInt8(ascii: " ") { index += 1 }
    }

    /// Consumes `word` (case-insensitively) if it is next and not followed by more atom characters.
    mutating func consumeKeyword(_ word: String) -> Bool {
        var i = 0
        for expected in word.utf8 {
            guard let b = peek(i), Self.upper(b) == expected else { return false }
            i += 1
        }
        if let after = peek(i), Self.isAtomChar(after) { return false }
        index += i
        return true
    }

    /// CRLF, after optional trailing spaces; a bare LF is tolerated.
    mutating func crlf() throws(GrammarError) {
        skipSpaces()
        if peek() == UInt8(ascii: "\r") { index += 1 }
        try expect(UInt8(ascii: "\n"), "expected CRLF")
    }

    // MARK: - Lists and depth

    /// `"("` entering one more level of nesting.
    mutating func openList(_ rule: String) throws(GrammarError) {
        try expect(UInt8(ascii: "("), rule)
        try enter()
    }

    mutating func enter() throws(GrammarError) {
        depth += 1
        guard depth <= maxDepth else { throw .invalid(.tooDeep) }
    }

    mutating func closeList(_ rule: String) throws(GrammarError) {
        try expect(UInt8(ascii: ")"), rule)
        depth -= 1
    }

    /// Parses `"(" [item *(SP item)] ")"`, tolerating extra spaces.
    mutating func list<T>(_ rule: String, _ item: (inout GrammarCursor) throws(GrammarError) -> T) throws(GrammarError) -> [T] {
        try openList(rule)
        var items: [T] = []
        skipSpaces()
        while true {
            guard let b = peek() else { throw .incomplete }
            if b == UInt8(ascii: ")") { break }
            if !items.isEmpty { try space() }
            if peek() == UInt8(ascii: ")") { break }
            items.append(try item(&self))
        }
        try closeList(rule)
        return items
    }

    // MARK: - Character classes (RFC 3501 §9)

    static func upper(_ b: UInt8) -> UInt8 { b >= 0x61 && b <= 0x7A ? b - 0x20 : b }

    /// ATOM-CHAR, plus 8-bit bytes (tolerated: some servers send raw UTF-8 in atoms).
    static func isAtomChar(_ b: UInt8) -> Bool {
        switch b {
        case 0x00...0x1F, 0x7F, UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "{"), UInt8(ascii: " "),
             UInt8(ascii: "%"), UInt8(ascii: "*"), UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "]"):
            return false
        default:
            return true
        }
    }

    /// ASTRING-CHAR = ATOM-CHAR / resp-specials.
    static func isAStringChar(_ b: UInt8) -> Bool { isAtomChar(b) || b == UInt8(ascii: "]") }

    /// list-char = ATOM-CHAR / list-wildcards / resp-specials.
    static func isListChar(_ b: UInt8) -> Bool {
        isAStringChar(b) || b == UInt8(ascii: "%") || b == UInt8(ascii: "*")
    }

    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    // MARK: - Tokens

    /// One or more bytes matching `predicate`; running into `end` is incomplete.
    mutating func bytes(_ rule: String, while predicate: (UInt8) -> Bool) throws(GrammarError) -> [UInt8] {
        let start = index
        while let b = peek(), predicate(b) { index += 1 }
        if atEnd { throw .incomplete }
        guard index > start else { throw fail(rule) }
        return buffer.getBytes(at: start, length: index - start) ?? []
    }

    /// atom = 1*ATOM-CHAR
    mutating func atom(_ rule: String = "expected atom") throws(GrammarError) -> String {
        String(decoding: try bytes(rule, while: Self.isAtomChar), as: UTF8.self)
    }

    /// number = 1*DIGIT (64-bit; callers narrow).
    mutating func number(_ rule: String = "expected number") throws(GrammarError) -> UInt64 {
        let start = index
        var value: UInt64 = 0
        while let b = peek(), Self.isDigit(b) {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(UInt64(b - 0x30))
            guard !o1, !o2 else { throw fail("number out of range") }
            value = sum
            index += 1
        }
        if atEnd { throw .incomplete }
        guard index > start else { throw fail(rule) }
        return value
    }

    /// number (RFC 3501: 32-bit unsigned).
    mutating func number32(_ rule: String = "expected number") throws(GrammarError) -> UInt32 {
        let start = index
        let value = try number(rule)
        guard let narrow = UInt32(exactly: value) else { index = start; throw fail("number out of range") }
        return narrow
    }

    /// nz-number = digit-nz *DIGIT
    mutating func nzNumber(_ rule: String = "expected non-zero number") throws(GrammarError) -> UInt32 {
        let start = index
        let value = try number32(rule)
        guard value != 0 else { index = start; throw fail(rule) }
        return value
    }

    /// quoted = DQUOTE *QUOTED-CHAR DQUOTE, with `\\` and `\"` escapes (any escaped byte is kept).
    mutating func quoted() throws(GrammarError) -> [UInt8] {
        try expect(UInt8(ascii: "\""), "expected quoted string")
        var out: [UInt8] = []
        while true {
            let b = try byte()
            switch b {
            case UInt8(ascii: "\""): return out
            case UInt8(ascii: "\\"): out.append(try byte())
            case 0x0D, 0x0A: index -= 1; throw fail("CR/LF in quoted string")
            default: out.append(b)
            }
        }
    }

    /// literal = "{" number64 ["+"] "}" CRLF, literal8 = "~{" number64 "}" CRLF:
    /// the header only; returns the announced size.
    mutating func literalHeader() throws(GrammarError) -> Int {
        if peek() == UInt8(ascii: "~") { index += 1 }
        try expect(UInt8(ascii: "{"), "expected literal")
        let size = try number("bad literal length")
        if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
        try expect(UInt8(ascii: "}"), "bad literal header")
        if peek() == UInt8(ascii: "\r") { index += 1 }
        try expect(UInt8(ascii: "\n"), "expected CRLF after literal header")
        guard let result = Int(exactly: size) else { throw .invalid(.literalTooLarge) }
        return result
    }

    /// A literal's header and bytes, as a slice of the buffer.
    mutating func literal() throws(GrammarError) -> ByteBuffer {
        let size = try literalHeader()
        guard end - index >= size, let slice = buffer.getSlice(at: index, length: size) else { throw .incomplete }
        index += size
        return slice
    }

    /// Whether a literal (`{` or literal8's `~{`) starts here; `~` alone is an atom character.
    var atLiteral: Bool {
        peek() == UInt8(ascii: "{") || (peek() == UInt8(ascii: "~") && peek(1) == UInt8(ascii: "{"))
    }

    /// string = quoted / literal
    mutating func string() throws(GrammarError) -> [UInt8] {
        switch peek() {
        case nil: throw .incomplete
        case UInt8(ascii: "\""): return try quoted()
        case UInt8(ascii: "~") where peek(1) == nil: throw .incomplete
        case _ where atLiteral:
            let slice = try literal()
            return Array(slice.readableBytesView)
        default: throw fail("expected string")
        }
    }

    /// nstring = string / nil
    mutating func nstring() throws(GrammarError) -> [UInt8]? {
        if consumeKeyword("NIL") { return nil }
        return try string()
    }

    /// astring = 1*ASTRING-CHAR / string
    /// (`~` starts literal8 only before `{`: `~peter` is an atom)
    mutating func astring() throws(GrammarError) -> [UInt8] {
        switch peek() {
        case nil: throw .incomplete
        case UInt8(ascii: "~") where peek(1) == nil: throw .incomplete
        case UInt8(ascii: "\""), UInt8(ascii: "{"): return try string()
        case _ where atLiteral: return try string()
        default: return try bytes("expected astring", while: Self.isAStringChar)
        }
    }

    /// The bytes up to (not including) CR/LF, as text.
    mutating func restOfLine() throws(GrammarError) -> String {
        let start = index
        while let b = peek(), b != 0x0D, b != 0x0A { index += 1 }
        if atEnd { throw .incomplete }
        return String(decoding: buffer.getBytes(at: start, length: index - start) ?? [], as: UTF8.self)
    }

    /// Text of the bytes in `range` (absolute indices).
    func text(from start: Int, to stop: Int) -> String {
        String(decoding: buffer.getBytes(at: start, length: max(0, stop - start)) ?? [], as: UTF8.self)
    }

    // MARK: - Generic values

    /// Skips one value of unknown shape — a list (nesting counted), a string, a literal or an
    /// atom-like token (anything up to SP, `(`, `)`, CR, LF) — and returns its raw text.
    mutating func skipValue() throws(GrammarError) -> String {
        let start = index
        try skipValueBody()
        return text(from: start, to: index)
    }

    private mutating func skipValueBody() throws(GrammarError) {
        guard let b = peek() else { throw .incomplete }
        switch b {
        case UInt8(ascii: "("):
            try openList("expected list")
            while true {
                skipSpaces()
                guard let c = peek() else { throw .incomplete }
                if c == UInt8(ascii: ")") { break }
                try skipValueBody()
            }
            try closeList("expected )")
        case UInt8(ascii: "\""):
            _ = try quoted()
        case UInt8(ascii: "{"):
            _ = try literal()
        case UInt8(ascii: "~") where peek(1) == UInt8(ascii: "{"):
            _ = try literal()
        case UInt8(ascii: ")"), 0x0D, 0x0A:
            throw fail("expected value")
        default:
            while let c = peek(), c != UInt8(ascii: " "), c != UInt8(ascii: "("), c != UInt8(ascii: ")"),
                  c != 0x0D, c != 0x0A {
                if c == UInt8(ascii: "[") {
                    try skipBracketed()
                } else {
                    index += 1
                }
            }
            if atEnd { throw .incomplete }
        }
    }

    /// `"[" … "]"` where quoted strings may contain `]` (section specs, response-code text).
    mutating func skipBracketed() throws(GrammarError) {
        try expect(UInt8(ascii: "["), "expected [")
        while true {
            guard let b = peek() else { throw .incomplete }
            switch b {
            case UInt8(ascii: "]"): index += 1; return
            case UInt8(ascii: "\""): _ = try quoted()
            case 0x0D, 0x0A: throw fail("unterminated [")
            default: index += 1
            }
        }
    }
}
