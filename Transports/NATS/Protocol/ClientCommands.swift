import NIOCore

/// Encoders of what the client sends. They append to an outbound buffer, so that many commands
/// are written with one syscall.
extension ByteBuffer {
    /// `PUB <subject> [reply-to] <#bytes>\r\n<payload>\r\n`
    @inline(__always)
    mutating func writePub(subject: String, replyTo: String?, payload: UnsafeRawBufferPointer) {
        writeStaticString("PUB ")
        writeString(subject)
        if let replyTo {
            writeInteger(ASCII.space)
            writeString(replyTo)
        }
        writeInteger(ASCII.space)
        writeDecimal(payload.count)
        writeStaticString("\r\n")
        writeBytes(payload)
        writeStaticString("\r\n")
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

/// Subjects, reply subjects and queue names are tokens: no blanks or line breaks, not empty.
@inline(__always)
func isValidSubject(_ subject: String) -> Bool {
    @inline(__always)
    func valid(_ bytes: some Collection<UInt8>) -> Bool {
        !bytes.isEmpty && !bytes.contains { $0 == ASCII.space || $0 == ASCII.tab || $0 == ASCII.cr || $0 == ASCII.lf }
    }
    return subject.utf8.withContiguousStorageIfAvailable { valid($0) } ?? valid(subject.utf8)
}
