/// Modified UTF-7 for mailbox names (RFC 3501 §5.1.3): printable US-ASCII stands for itself
/// (with `&` written `&-`); anything else is UTF-16 in base64 with `,` for `/`, between `&` and `-`.
public enum ModifiedUTF7 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,".utf8)

    public static func encode(_ s: String) -> String {
        var out: [UInt8] = []
        var pending: [UInt16] = []

        func flush() {
            guard !pending.isEmpty else { return }
            out.append(UInt8(ascii: "&"))
            var bytes: [UInt8] = []
            for unit in pending { bytes.append(UInt8(unit >> 8)); bytes.append(UInt8(unit & 0xFF)) }
            var i = 0
            while i < bytes.count {
                let b0 = bytes[i], b1 = i + 1 < bytes.count ? bytes[i + 1] : 0, b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
                let remaining = bytes.count - i
                out.append(alphabet[Int(b0 >> 2)])
                out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
                if remaining > 1 { out.append(alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)]) }
                if remaining > 2 { out.append(alphabet[Int(b2 & 0x3F)]) }
                i += 3
            }
            out.append(UInt8(ascii: "-"))
            pending.removeAll()
        }

        for scalar in s.unicodeScalars {
            if scalar.value >= 0x20 && scalar.value <= 0x7E {
                flush()
                out.append(UInt8(scalar.value))
                if scalar == "&" { out.append(UInt8(ascii: "-")) }
            } else {
                pending.append(contentsOf: String(scalar).utf16)
            }
        }
        flush()
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes a modified UTF-7 name. Throws for an unterminated `&`, bad base64, printable ASCII
    /// or an odd number of bytes inside a shift, a lone surrogate, or a raw non-ASCII byte.
    public static func decode(_ s: String) throws(IMAPParseError) -> String {
        let bytes = Array(s.utf8)
        var out = String.UnicodeScalarView()
        var i = 0
        func fail(_ reason: String, at index: Int) -> IMAPParseError {
            .invalid("modified UTF-7: " + reason, excerpt: IMAPParseError.excerpt(bytes[index...]))
        }
        while i < bytes.count {
            let byte = bytes[i]
            guard byte >= 0x20 && byte <= 0x7E else { throw fail("non-ASCII byte", at: i) }
            guard byte == UInt8(ascii: "&") else {
                out.append(Unicode.Scalar(byte))
                i += 1
                continue
            }
            let start = i
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "-") {
                out.append("&")
                i += 1
                continue
            }
            var bits: UInt32 = 0
            var bitCount = 0
            var units: [UInt16] = []
            var pendingByte: UInt8?
            while true {
                guard i < bytes.count else { throw fail("unterminated '&'", at: start) }
                let c = bytes[i]
                i += 1
                if c == UInt8(ascii: "-") { break }
                guard let value = alphabet.firstIndex(of: c) else { throw fail("bad base64", at: i - 1) }
                bits = bits << 6 | UInt32(value)
                bitCount += 6
                if bitCount >= 8 {
                    bitCount -= 8
                    let decoded = UInt8((bits >> UInt32(bitCount)) & 0xFF)
                    bits &= (1 << UInt32(bitCount)) - 1
                    if let high = pendingByte {
                        units.append(UInt16(high) << 8 | UInt16(decoded))
                        pendingByte = nil
                    } else {
                        pendingByte = decoded
                    }
                }
            }
            guard pendingByte == nil, bitCount < 6, bits == 0 else { throw fail("odd byte count or stray bits", at: start) }
            guard !units.isEmpty else { throw fail("empty shift", at: start) }
            var decoder = UTF16()
            var iterator = units.makeIterator()
            decoding: while true {
                switch decoder.decode(&iterator) {
                case .scalarValue(let scalar):
                    guard !(scalar.value >= 0x20 && scalar.value <= 0x7E) else {
                        throw fail("printable ASCII encoded", at: start)
                    }
                    out.append(scalar)
                case .emptyInput: break decoding
                case .error: throw fail("lone surrogate", at: start)
                }
            }
        }
        return String(out)
    }
}
