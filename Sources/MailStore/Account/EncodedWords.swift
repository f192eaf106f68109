/// RFC 2047 encoded words (`=?charset?B|Q?text?=`) for the charsets a listing meets most; any
/// other word is left as written.
enum EncodedWords {
    static func decode(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        var lastWasWord = false
        while let open = rest.range(of: "=?") {
            let before = rest[..<open.lowerBound]
            let after = rest[open.upperBound...]
            guard let word = parseWord(after), let decoded = word.text else {
                out += before + "=?"
                rest = after
                lastWasWord = false
                continue
            }
            // Blanks between two adjacent encoded words are dropped (RFC 2047 §6.2).
            if !(lastWasWord && before.allSatisfy({ $0 == " " || $0 == "\t" })) { out += before }
            out += decoded
            rest = word.rest
            lastWasWord = true
        }
        return out + rest
    }

    private static func parseWord(_ text: Substring) -> (text: String?, rest: Substring)? {
        let parts = text.split(separator: "?", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, parts[3].hasPrefix("="), !parts[2].contains(" ") else { return nil }
        let charset = parts[0].lowercased().split(separator: "*").first.map(String.init) ?? ""
        let payload = parts[2]
        let bytes: [UInt8]?
        switch parts[1].lowercased() {
        case "b": bytes = base64(payload)
        case "q": bytes = quoted(payload)
        default: bytes = nil
        }
        guard let bytes else { return nil }
        let decoded: String? = switch charset {
        case "utf-8", "us-ascii": String(validating: bytes, as: UTF8.self)
        case "iso-8859-1", "latin1": String(bytes.map { Character(Unicode.Scalar($0)) })
        default: nil
        }
        return (decoded, parts[3].dropFirst())
    }

    private static func quoted(_ text: Substring) -> [UInt8]? {
        var out: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case 0x5F: out.append(0x20)
            case 0x3D:
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                out.append(high << 4 | low)
            default: out.append(byte)
            }
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    private static func base64(_ text: Substring) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in text.utf8 {
            let value: UInt8
            switch byte {
            case 0x41...0x5A: value = byte - 0x41
            case 0x61...0x7A: value = byte - 0x61 + 26
            case 0x30...0x39: value = byte - 0x30 + 52
            case 0x2B: value = 62
            case 0x2F: value = 63
            case 0x3D: continue
            default: return nil
            }
            buffer = buffer << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        return out
    }
}
