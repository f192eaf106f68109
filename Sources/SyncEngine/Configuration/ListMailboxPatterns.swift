/// InterIMAP's `list-mailbox` value: patterns separated by blanks, each either bare
/// (`[\x21\x23-\x27\x2A-\x5B\x5D-\x7A\x7C-\x7E]+`) or double-quoted with backslash escapes
/// (`\"`, `\\`, `\0`, `\a`, `\b`, `\t`, `\n`, `\v`, `\f`, `\r`, `\xHH`). `\0` / `\x00` stands
/// for the hierarchy delimiter.
enum ListMailboxPatterns {
    static func parse(_ text: String) -> [[UInt8]]? {
        let bytes = Array(text.utf8)
        var patterns: [[UInt8]] = []
        var i = 0
        repeat {
            if i < bytes.count, bytes[i] == UInt8(ascii: "\"") {
                guard let (pattern, end) = quoted(bytes, from: i + 1) else { return nil }
                patterns.append(pattern)
                i = end
            } else {
                let start = i
                while i < bytes.count, isBare(bytes[i]) { i += 1 }
                if i > start { patterns.append(Array(bytes[start..<i])) }
            }
            let beforeBlanks = i
            while i < bytes.count, isBlank(bytes[i]) { i += 1 }
            if i == beforeBlanks { break }
        } while i < bytes.count
        return i == bytes.count && !patterns.isEmpty ? patterns : nil
    }

    /// From after the opening quote; returns the decoded bytes and the index after the closing one.
    private static func quoted(_ bytes: [UInt8], from start: Int) -> ([UInt8], Int)? {
        var out: [UInt8] = []
        var i = start
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") { return out.isEmpty ? nil : (out, i + 1) }
            if c == UInt8(ascii: "\\") {
                guard i + 1 < bytes.count else { return nil }
                let e = bytes[i + 1]
                if e == UInt8(ascii: "x") {
                    guard i + 3 < bytes.count, let hi = hex(bytes[i + 2]), let lo = hex(bytes[i + 3]) else { return nil }
                    out.append(hi << 4 | lo)
                    i += 4
                    continue
                }
                guard let decoded = escapes[e] else { return nil }
                out.append(decoded)
                i += 2
                continue
            }
            guard (0x20...0x7E).contains(c) else { return nil }
            out.append(c)
            i += 1
        }
        return nil
    }

    /// Perl string escapes as InterIMAP evaluates them (`\v` is not one in Perl: it stays `v`).
    private static let escapes: [UInt8: UInt8] = [
        UInt8(ascii: "\""): 0x22, UInt8(ascii: "\\"): 0x5C, UInt8(ascii: "0"): 0x00, UInt8(ascii: "a"): 0x07,
        UInt8(ascii: "b"): 0x08, UInt8(ascii: "t"): 0x09, UInt8(ascii: "n"): 0x0A, UInt8(ascii: "v"): UInt8(ascii: "v"),
        UInt8(ascii: "f"): 0x0C, UInt8(ascii: "r"): 0x0D,
    ]

    private static func isBare(_ c: UInt8) -> Bool {
        switch c {
        case 0x21, 0x23...0x27, 0x2A...0x5B, 0x5D...0x7A, 0x7C...0x7E: true
        default: false
        }
    }

    private static func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0B || c == 0x0C || c == 0x0D }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
