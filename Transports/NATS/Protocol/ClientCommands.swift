import NIOCore

/// Encoders of what the client sends. They append to an outbound buffer, so that many commands
/// are written with one syscall.
extension ByteBuffer {
    /// `PUB <subject> [reply-to] <#bytes>\r\n<payload>\r\n`, written with one reservation of the
    /// buffer (a publish is on the hot path: every separate ByteBuffer write costs).
    @inline(__always)
    mutating func writePub(subject: String, replyTo: String?, payload: UnsafeRawBufferPointer) {
        var subject = subject
        let digits = decimalDigits(payload.count)
        let replyLength = replyTo.map { $0.utf8.count + 1 } ?? 0
        let total = 4 + subject.utf8.count + replyLength + 1 + digits + 2 + payload.count + 2
        subject.withUTF8 { subjectBytes in
            func write(_ reply: UnsafeBufferPointer<UInt8>?) {
                writeWithUnsafeMutableBytes(minimumWritableBytes: total) { out in
                    var index = 0
                    @inline(__always) func put(_ byte: UInt8) {
                        out[index] = byte
                        index += 1
                    }
                    @inline(__always) func put(_ bytes: UnsafeRawBufferPointer) {
                        UnsafeMutableRawBufferPointer(rebasing: out[index..<(index + bytes.count)]).copyMemory(from: bytes)
                        index += bytes.count
                    }
                    put(UInt8(ascii: "P")); put(UInt8(ascii: "U")); put(UInt8(ascii: "B")); put(ASCII.space)
                    put(UnsafeRawBufferPointer(subjectBytes))
                    if let reply {
                        put(ASCII.space)
                        put(UnsafeRawBufferPointer(reply))
                    }
                    put(ASCII.space)
                    var remaining = payload.count
                    var digit = index + digits - 1
                    while digit >= index {
                        out[digit] = ASCII.zero &+ UInt8(truncatingIfNeeded: remaining % 10)
                        remaining /= 10
                        digit -= 1
                    }
                    index += digits
                    put(ASCII.cr); put(ASCII.lf)
                    put(payload)
                    put(ASCII.cr); put(ASCII.lf)
                    return index
                }
            }
            if var reply = replyTo {
                reply.withUTF8 { write($0) }
            } else {
                write(nil)
            }
        }
    }

    /// `HPUB <subject> [reply-to] <#header bytes> <#total bytes>\r\n<headers><payload>\r\n`
    mutating func writeHPub(subject: String, replyTo: String?, headerBlock: [UInt8], payload: UnsafeRawBufferPointer) {
        writeStaticString("HPUB ")
        writeString(subject)
        if let replyTo {
            writeInteger(ASCII.space)
            writeString(replyTo)
        }
        writeInteger(ASCII.space)
        writeDecimal(headerBlock.count)
        writeInteger(ASCII.space)
        writeDecimal(headerBlock.count + payload.count)
        writeStaticString("\r\n")
        writeBytes(headerBlock)
        writeBytes(payload)
        writeStaticString("\r\n")
    }

    /// `SUB <subject> [queue group] <sid>\r\n`
    mutating func writeSub(subject: String, queue: String?, sid: UInt64) {
        writeStaticString("SUB ")
        writeString(subject)
        if let queue {
            writeInteger(ASCII.space)
            writeString(queue)
        }
        writeInteger(ASCII.space)
        writeDecimal(Int(sid))
        writeStaticString("\r\n")
    }

    /// `UNSUB <sid> [max_msgs]\r\n`
    mutating func writeUnsub(sid: UInt64, max: Int?) {
        writeStaticString("UNSUB ")
        writeDecimal(Int(sid))
        if let max {
            writeInteger(ASCII.space)
            writeDecimal(max)
        }
        writeStaticString("\r\n")
    }

    mutating func writePing() { writeStaticString("PING\r\n") }
    mutating func writePong() { writeStaticString("PONG\r\n") }

    /// `CONNECT {json}\r\n`
    mutating func writeConnect(_ info: ConnectInfo) {
        writeStaticString("CONNECT ")
        writeString(info.json())
        writeStaticString("\r\n")
    }
}

/// How many decimal digits `value` (≥ 0) has.
@inline(__always)
func decimalDigits(_ value: Int) -> Int {
    var digits = 1
    var rest = value / 10
    while rest > 0 {
        digits += 1
        rest /= 10
    }
    return digits
}

/// Subjects, reply subjects and queue names are tokens: no blanks or line breaks, not empty.
@inline(__always)
func isValidSubject(_ subject: String) -> Bool {
    @inline(__always)
    func valid(_ bytes: some Collection<UInt8>) -> Bool {
        !bytes.isEmpty && !bytes.contains { $0 == ASCII.space || $0 == ASCII.tab || $0 == ASCII.cr || $0 == ASCII.lf }
    }
    return subject.utf8.withContiguousStorageIfAvailable { valid($0) } ?? valid(subject.utf8)
}
