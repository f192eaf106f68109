/// Checks that an order payload is one JSON object (RFC 8259) and finds its top-level
/// `"reply_to"` string member. The transport does not interpret orders; it only needs to know
/// whether an entry can ever be run (if not it is rejected at once, never retried) and where the
/// answer goes. Nesting is bounded (`maxDepth`), so hostile input cannot exhaust the stack.
public struct OrderDocumentScan: Sendable, Hashable {
    public var replyTo: String?
    /// Where the values of secret members are (at any depth), as byte ranges of the input.
    public var secretValueRanges: [Range<Int>]

    /// Members whose values never leave the worker (dead letters, logs).
    public static let secretNames: Set<String> = ["password", "token", "access_token", "oauth_token"]
    public static let redactedValue = Array("\"<redacted>\"".utf8)

    public static let maxDepth = 64

    public struct Invalid: Error, Sendable, Hashable, CustomStringConvertible {
        public var offset: Int
        public var reason: String
        public var description: String { "\(reason) at byte \(offset)" }
    }

    public init(_ bytes: [UInt8]) throws(Invalid) {
        var scanner = Scanner(bytes: bytes)
        scanner.skipWhitespace()
        guard scanner.peek == UInt8(ascii: "{") else { throw scanner.invalid("not a JSON object") }
        replyTo = try scanner.object(depth: 1, wantReplyTo: true)
        scanner.skipWhitespace()
        guard scanner.atEnd else { throw scanner.invalid("text after the JSON object") }
        secretValueRanges = scanner.secrets
    }

    /// `bytes` with the value of every secret member replaced by `"<redacted>"`; a payload that
    /// is not a JSON object cannot be searched, so it is replaced whole.
    public static func redacted(_ bytes: [UInt8]) -> [UInt8] {
        guard let scan = try? OrderDocumentScan(bytes) else { return Array("\"<unparsable order redacted>\"".utf8) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var position = 0
        for range in scan.secretValueRanges.sorted(by: { $0.lowerBound < $1.lowerBound }) where range.lowerBound >= position {
            out.append(contentsOf: bytes[position..<range.lowerBound])
            out.append(contentsOf: redactedValue)
            position = range.upperBound
        }
        out.append(contentsOf: bytes[position...])
        return out
    }
}

private struct Scanner {
    let bytes: [UInt8]
    var index = 0
    var secrets: [Range<Int>] = []

    init(bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { index >= bytes.count }
    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    func invalid(_ reason: String) -> OrderDocumentScan.Invalid { .init(offset: index, reason: reason) }

    mutating func skipWhitespace() {
        while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    mutating func expect(_ byte: UInt8) throws(OrderDocumentScan.Invalid) {
        guard peek == byte else { throw invalid("expected '\(Character(Unicode.Scalar(byte)))'") }
        index += 1
    }

    /// object = { [ member *( , member ) ] }; returns the "reply_to" string when asked to look for it.
    mutating func object(depth: Int, wantReplyTo: Bool) throws(OrderDocumentScan.Invalid) -> String? {
        guard depth <= OrderDocumentScan.maxDepth else { throw invalid("nested too deeply") }
        try expect(UInt8(ascii: "{"))
        var replyTo: String?
        skipWhitespace()
        if peek == UInt8(ascii: "}") { index += 1; return nil }
        while true {
            skipWhitespace()
            let key = try string(decode: true)
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            if wantReplyTo, key == "reply_to", peek == UInt8(ascii: "\"") {
                replyTo = try string(decode: true)
            } else if let key, OrderDocumentScan.secretNames.contains(key) {
                let start = index
                try value(depth: depth)
                secrets.append(start..<index)
            } else {
                try value(depth: depth)
            }
            skipWhitespace()
            if peek == UInt8(ascii: ",") { index += 1; continue }
            try expect(UInt8(ascii: "}"))
            return replyTo
        }
    }

    mutating func array(depth: Int) throws(OrderDocumentScan.Invalid) {
        guard depth <= OrderDocumentScan.maxDepth else { throw invalid("nested too deeply") }
        try expect(UInt8(ascii: "["))
        skipWhitespace()
        if peek == UInt8(ascii: "]") { index += 1; return }
        while true {
            skipWhitespace()
            try value(depth: depth)
            skipWhitespace()
            if peek == UInt8(ascii: ",") { index += 1; continue }
            try expect(UInt8(ascii: "]"))
            return
        }
    }

    mutating func value(depth: Int) throws(OrderDocumentScan.Invalid) {
        guard let byte = peek else { throw invalid("unexpected end") }
        switch byte {
        case UInt8(ascii: "{"): _ = try object(depth: depth + 1, wantReplyTo: false)
        case UInt8(ascii: "["): try array(depth: depth + 1)
        case UInt8(ascii: "\""): _ = try string(decode: false)
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        default: throw invalid("unexpected character")
        }
    }

    mutating func literal(_ word: String) throws(OrderDocumentScan.Invalid) {
        let expected = Array(word.utf8)
        guard bytes.count - index >= expected.count, bytes[index..<index + expected.count].elementsEqual(expected) else {
            throw invalid("bad literal")
        }
        index += expected.count
    }

    /// number = [ - ] int [ frac ] [ exp ]
    mutating func number() throws(OrderDocumentScan.Invalid) {
        if peek == UInt8(ascii: "-") { index += 1 }
        guard let first = peek, isDigit(first) else { throw invalid("bad number") }
        index += 1
        if first != UInt8(ascii: "0") { while let d = peek, isDigit(d) { index += 1 } }
        if peek == UInt8(ascii: ".") {
            index += 1
            guard let d = peek, isDigit(d) else { throw invalid("bad fraction") }
            while let d = peek, isDigit(d) { index += 1 }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            guard let d = peek, isDigit(d) else { throw invalid("bad exponent") }
            while let d = peek, isDigit(d) { index += 1 }
        }
    }

    func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// string = " *char " with the escapes of RFC 8259 §7; decoded only when the caller needs the text.
    mutating func string(decode: Bool) throws(OrderDocumentScan.Invalid) -> String? {
        try expect(UInt8(ascii: "\""))
        var plainStart = index
        var decoded: [UInt8] = []
        while true {
            guard let byte = peek else { throw invalid("unterminated string") }
            if byte == UInt8(ascii: "\"") {
                if decode { decoded.append(contentsOf: bytes[plainStart..<index]) }
                index += 1
                break
            }
            if byte < 0x20 { throw invalid("control character in string") }
            if byte != UInt8(ascii: "\\") { index += 1; continue }
            if decode { decoded.append(contentsOf: bytes[plainStart..<index]) }
            index += 1
            guard let escape = peek else { throw invalid("unterminated escape") }
            index += 1
            var scalar: Unicode.Scalar?
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalar = Unicode.Scalar(escape)
            case UInt8(ascii: "b"): scalar = "\u{08}"
            case UInt8(ascii: "f"): scalar = "\u{0C}"
            case UInt8(ascii: "n"): scalar = "\n"
            case UInt8(ascii: "r"): scalar = "\r"
            case UInt8(ascii: "t"): scalar = "\t"
            case UInt8(ascii: "u"):
                var unit = try hex4()
                if (0xD800...0xDBFF).contains(unit), peek == UInt8(ascii: "\\"),
                   index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") {
                    index += 2
                    let low = try hex4()
                    if (0xDC00...0xDFFF).contains(low) {
                        unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    }
                }
                scalar = Unicode.Scalar(unit) ?? "\u{FFFD}"
            default:
                throw invalid("bad escape")
            }
            if decode, let scalar { decoded.append(contentsOf: Array(String(scalar).utf8)) }
            plainStart = index
        }
        return decode ? String(decoding: decoded, as: UTF8.self) : nil
    }

    mutating func hex4() throws(OrderDocumentScan.Invalid) -> UInt32 {
        guard bytes.count - index >= 4 else { throw invalid("short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw invalid("bad hex digit")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}
