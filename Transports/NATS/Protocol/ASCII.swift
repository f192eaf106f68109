import NIOCore

/// The bytes the NATS wire protocol is made of.
enum ASCII {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let zero: UInt8 = 0x30
    static let nine: UInt8 = 0x39

    @inline(__always)
    static func isBlank(_ byte: UInt8) -> Bool { byte == space || byte == tab }

    /// Upper-cases an ASCII letter (protocol operation names are case-insensitive).
    @inline(__always)
    static func upper(_ byte: UInt8) -> UInt8 { byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte }
}

extension ByteBuffer {
    /// Writes a non-negative integer in decimal without going through `String`.
    @inline(__always)
    mutating func writeDecimal(_ value: Int) {
        precondition(value >= 0, "NATS sizes and ids are never negative")
        if value < 10 {
            writeInteger(UInt8(ASCII.zero + UInt8(value)))
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: enough for any Int
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { raw in
            while rest > 0 {
                raw[23 - count] = ASCII.zero + UInt8(rest % 10)
                rest /= 10
                count += 1
            }
            writeBytes(UnsafeRawBufferPointer(rebasing: raw[(24 - count)...]))
        }
    }
}

/// Parses a decimal field of the control line: digits only, bounded, no sign.
@inline(__always)
func parseDecimal(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int? {
    guard !range.isEmpty, range.count <= 18 else { return nil }
    var value = 0
    for index in range {
        let byte = bytes[index]
        guard byte >= ASCII.zero && byte <= ASCII.nine else { return nil }
        value = value * 10 + Int(byte - ASCII.zero)
    }
    return value
}
