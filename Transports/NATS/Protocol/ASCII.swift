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
    /// Writes a non-negative integer in decimal, straight into the buffer's storage.
    @inline(__always)
    mutating func writeDecimal(_ value: Int) {
        precondition(value >= 0, "NATS sizes and ids are never negative")
        let digits = decimalDigits(value)
        writeWithUnsafeMutableBytes(minimumWritableBytes: digits) { bytes in
            var remaining = value
            var index = digits - 1
            while index >= 0 {
                bytes[index] = ASCII.zero &+ UInt8(truncatingIfNeeded: remaining % 10)
                remaining /= 10
                index -= 1
            }
            return digits
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
