import NIOCore

/// A resumable, byte-level parser of what a NATS server sends.
///
/// `next(_:)` consumes one operation from the front of `buffer` and returns it, or returns `nil`
/// when the buffer holds only part of one (the parser keeps its place: how far it already looked
/// for the end of the control line, or the parsed head of a message whose payload is incomplete).
/// It throws on anything that is not NATS. Control lines are bounded by `maxControlLineLength`,
/// message sizes by `maxPayload`, so a hostile server cannot make it hold unbounded memory.
///
/// Two states are enough where nats.go has one per character: a control line is found by one
/// scan for LF that resumes where the previous read stopped (`scanned`), and, being bounded,
/// is then parsed whole; a message payload is taken as one slice (no copy) once all its bytes
/// and the CRLF after them are there.
struct ProtocolParser {
    /// nats-server's own limit on a control line (`MAX_CONTROL_LINE_SIZE`).
    static let maxControlLineLength = 4096

    /// The largest message (header block + payload) accepted; updated from INFO's max_payload.
    var maxPayload: Int

    enum State: Equatable {
        /// Looking for the LF ending a control line; `scanned` bytes were already searched.
        case awaitingControlLine(scanned: Int)
        /// The control line of a MSG/HMSG was read; waiting for `total` payload bytes and CRLF.
        case awaitingPayload(MessageHead)
    }

    struct MessageHead: Equatable {
        var subject: String
        var sid: UInt64
        var replyTo: String?
        var headerLength: Int?
        var totalLength: Int
    }

    private(set) var state: State = .awaitingControlLine(scanned: 0)

    init(maxPayload: Int = NATSOptions.defaultMaxPayload) {
        self.maxPayload = maxPayload
    }

    mutating func next(_ buffer: inout ByteBuffer) throws(NATSProtocolError) -> ServerOperation? {
        switch state {
        case .awaitingControlLine(let scanned):
            guard let operation = try parseControlLine(&buffer, scanned: scanned) else { return nil }
            if case .awaitingPayload(let head) = state {
                return try readPayload(&buffer, head)
            }
            return operation
        case .awaitingPayload(let head):
            return try readPayload(&buffer, head)
        }
    }

    // MARK: - Control line

    /// A marker returned by `parseControlLine` when the line was a message head (state holds it).
    private static let headMarker = ServerOperation.ok

    private mutating func parseControlLine(_ buffer: inout ByteBuffer, scanned: Int) throws(NATSProtocolError) -> ServerOperation? {
        let readable = buffer.readableBytes
        let lineEnd: Int? = buffer.withUnsafeReadableBytes { bytes in
            var index = scanned
            while index < bytes.count {
                if bytes[index] == ASCII.lf { return index }
                index += 1
            }
            return nil
        }
        guard let lineEnd else {
            if readable > Self.maxControlLineLength {
                throw NATSProtocolError("control line longer than \(Self.maxControlLineLength) bytes")
            }
            state = .awaitingControlLine(scanned: readable)
            return nil
        }
        guard lineEnd <= Self.maxControlLineLength else {
            throw NATSProtocolError("control line longer than \(Self.maxControlLineLength) bytes")
        }
        state = .awaitingControlLine(scanned: 0)
        let result: Result<ServerOperation, NATSProtocolError> = buffer.withUnsafeReadableBytes { bytes in
            var end = lineEnd
            if end > 0 && bytes[end - 1] == ASCII.cr { end -= 1 }
            return parseLine(UnsafeRawBufferPointer(rebasing: bytes[0..<end]))
        }
        buffer.moveReaderIndex(forwardBy: lineEnd + 1)
        switch result {
        case .success(let operation): return operation
        case .failure(let error): throw error
        }
    }

    /// The fields of a control line are separated by one or more spaces or tabs.
    @inline(__always)
    private static func nextField(_ bytes: UnsafeRawBufferPointer, _ index: inout Int) -> Range<Int>? {
        while index < bytes.count && ASCII.isBlank(bytes[index]) { index += 1 }
        guard index < bytes.count else { return nil }
        let start = index
        while index < bytes.count && !ASCII.isBlank(bytes[index]) { index += 1 }
        return start..<index
    }

    private static func string(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// Whether `bytes[range]` spells `word` (upper-case ASCII), ignoring case.
    @inline(__always)
    private static func matches(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ word: StaticString) -> Bool {
        guard range.count == word.utf8CodeUnitCount else { return false }
        let letters = word.utf8Start
        for offset in 0..<range.count where ASCII.upper(bytes[range.lowerBound + offset]) != letters[offset] {
            return false
        }
        return true
    }

    private mutating func parseLine(_ line: UnsafeRawBufferPointer) -> Result<ServerOperation, NATSProtocolError> {
        var index = 0
        guard let op = Self.nextField(line, &index) else {
            return .failure(NATSProtocolError("empty control line"))
        }
        if Self.matches(line, op, "MSG") || Self.matches(line, op, "HMSG") {
            return parseMessageHead(line, &index, withHeaders: op.count == 4).map { head in
                state = .awaitingPayload(head)
                return Self.headMarker
            }
        }
        if Self.matches(line, op, "PING") { return Self.expectEnd(line, &index, .ping) }
        if Self.matches(line, op, "PONG") { return Self.expectEnd(line, &index, .pong) }
        if Self.matches(line, op, "+OK") { return Self.expectEnd(line, &index, .ok) }
        if Self.matches(line, op, "-ERR") {
            var text = Self.string(line, index..<line.count).trimmingBlanks()
            if text.count >= 2 && text.hasPrefix("'") && text.hasSuffix("'") {
                text = String(text.dropFirst().dropLast())
            }
            return .success(.error(text))
        }
        if Self.matches(line, op, "INFO") {
            while index < line.count && ASCII.isBlank(line[index]) { index += 1 }
            do {
                let info = try ServerInfo.decode(UnsafeRawBufferPointer(rebasing: line[index...]))
                maxPayload = max(maxPayload, info.maxPayload)
                return .success(.info(info))
            } catch {
                return .failure(error)
            }
        }
        return .failure(NATSProtocolError("unknown operation"))
    }

    private static func expectEnd(_ line: UnsafeRawBufferPointer, _ index: inout Int, _ operation: ServerOperation) -> Result<ServerOperation, NATSProtocolError> {
        nextField(line, &index) == nil ? .success(operation) : .failure(NATSProtocolError("unexpected arguments"))
    }

    /// `MSG <subject> <sid> [reply-to] <#bytes>` and
    /// `HMSG <subject> <sid> [reply-to] <#header bytes> <#total bytes>`.
    private func parseMessageHead(_ line: UnsafeRawBufferPointer, _ index: inout Int, withHeaders: Bool) -> Result<MessageHead, NATSProtocolError> {
        var fields: (Range<Int>, Range<Int>, Range<Int>, Range<Int>, Range<Int>) = (0..<0, 0..<0, 0..<0, 0..<0, 0..<0)
        var count = 0
        while let field = Self.nextField(line, &index) {
            switch count {
            case 0: fields.0 = field
            case 1: fields.1 = field
            case 2: fields.2 = field
            case 3: fields.3 = field
            case 4: fields.4 = field
            default: return .failure(NATSProtocolError("too many arguments in MSG"))
            }
            count += 1
        }
        let sizeFields = withHeaders ? 2 : 1
        guard count == 2 + sizeFields || count == 3 + sizeFields else {
            return .failure(NATSProtocolError("wrong number of arguments in MSG"))
        }
        guard let sid = parseDecimal(line, fields.1) else {
            return .failure(NATSProtocolError("invalid subscription id"))
        }
        let hasReply = count == 3 + sizeFields
        let (headerField, totalField): (Range<Int>, Range<Int>) = switch (hasReply, withHeaders) {
        case (false, false): (0..<0, fields.2)
        case (true, false): (0..<0, fields.3)
        case (false, true): (fields.2, fields.3)
        case (true, true): (fields.3, fields.4)
        }
        guard let total = parseDecimal(line, totalField) else {
            return .failure(NATSProtocolError("invalid message size"))
        }
        var headerLength: Int?
        if withHeaders {
            guard let length = parseDecimal(line, headerField), length <= total, length >= 10 else {
                return .failure(NATSProtocolError("invalid header size"))
            }
            headerLength = length
        }
        guard total <= maxPayload else {
            return .failure(NATSProtocolError("message of \(total) bytes exceeds max_payload \(maxPayload)"))
        }
        return .success(MessageHead(
            subject: Self.string(line, fields.0), sid: UInt64(sid),
            replyTo: hasReply ? Self.string(line, fields.2) : nil,
            headerLength: headerLength, totalLength: total))
    }

    // MARK: - Payload

    private mutating func readPayload(_ buffer: inout ByteBuffer, _ head: MessageHead) throws(NATSProtocolError) -> ServerOperation? {
        guard buffer.readableBytes >= head.totalLength + 2 else { return nil }
        var headerBlock: ByteBuffer?
        if let headerLength = head.headerLength {
            headerBlock = buffer.readSlice(length: headerLength)
        }
        guard let payload = buffer.readSlice(length: head.totalLength - (head.headerLength ?? 0)),
              let cr = buffer.readInteger(as: UInt8.self), let lf = buffer.readInteger(as: UInt8.self)
        else { return nil }  // unreachable: the length was checked above
        guard cr == ASCII.cr, lf == ASCII.lf else {
            throw NATSProtocolError("message payload not followed by CRLF")
        }
        state = .awaitingControlLine(scanned: 0)
        return .message(InboundMessage(subject: head.subject, sid: head.sid, replyTo: head.replyTo,
                                       headerBlock: headerBlock, payload: payload))
    }
}

extension String {
    func trimmingBlanks() -> String {
        var view = Substring(self)
        while let first = view.first, first == " " || first == "\t" { view = view.dropFirst() }
        while let last = view.last, last == " " || last == "\t" { view = view.dropLast() }
        return String(view)
    }
}
