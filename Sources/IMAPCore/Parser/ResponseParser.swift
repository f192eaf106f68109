import NIOCore

/// Incremental parser of the server side of IMAP (RFC 3501 §7, RFC 9051 §7 and the extensions
/// listed in `Parser+*.swift`).
///
/// Feed it the bytes received so far; each ``next(_:)`` call returns one event, or `nil` when
/// more bytes are needed. It consumes from the buffer only what it has fully parsed, so the
/// caller keeps unconsumed bytes and appends new ones (the `ByteToMessageDecoder` contract),
/// and it remembers how far it has scanned: a partial line is not re-scanned, and literal bytes
/// are skipped by count, never scanned.
///
/// FETCH responses stream (see ``FetchEvent``): message bodies are handed out in chunks as they
/// arrive and are never held whole. Everything else is returned once the whole response
/// (line plus any literals) has arrived, within ``Limits``.
///
/// After `next` throws, the byte stream cannot be resynchronised: close the connection.
public struct ResponseParser: Sendable {
    /// Bounds on what one response may make the parser hold or do.
    public struct Limits: Hashable, Sendable {
        /// Bytes of the non-literal part of one response (all its lines together). Default 64 KiB.
        public var maxLineLength: Int
        /// Nesting of parenthesised lists. Default 32.
        public var maxDepth: Int
        /// Bytes of literals held in memory for one response: everything but FETCH bodies, which
        /// stream. Default 1 MiB.
        public var maxLiteralSize: Int

        public init(maxLineLength: Int = 64 * 1024, maxDepth: Int = 32, maxLiteralSize: Int = 1024 * 1024) {
            self.maxLineLength = maxLineLength
            self.maxDepth = maxDepth
            self.maxLiteralSize = maxLiteralSize
        }
    }

    private enum Mode: Sendable {
        /// Between responses, or inside one that is not (or not yet known to be) a FETCH.
        case response
        /// Inside `* n FETCH (`; `boundary` is set when `[0, scanner.position)` can be parsed.
        case fetchItems(boundary: FrameScanner.Boundary?)
        /// Streaming the bytes of a body literal.
        case fetchBody(remaining: Int)
    }

    public let limits: Limits
    private var mode = Mode.response
    private var scanner = FrameScanner()
    private var queued = CircularBuffer<ResponseEvent>(initialCapacity: 4)

    public init(limits: Limits = .init()) {
        self.limits = limits
    }

    /// The next event from `buffer`, consuming the bytes it came from; nil when more bytes are
    /// needed. Throws ``IMAPParseError`` for input that breaks the grammar or the ``Limits``.
    public mutating func next(_ buffer: inout ByteBuffer) throws(IMAPParseError) -> ResponseEvent? {
        if let event = queued.popFirst() { return event }
        guard buffer.readableBytes >= scanner.position else {
            throw .invalid("buffer lost bytes the parser had not consumed")
        }
        while true {
            switch mode {
            case .fetchBody(let remaining):
                if remaining == 0 {
                    mode = .fetchItems(boundary: nil)
                    return .fetch(.bodyEnd)
                }
                let available = min(remaining, buffer.readableBytes)
                guard available > 0, let chunk = buffer.readSlice(length: available) else { return nil }
                mode = .fetchBody(remaining: remaining - available)
                return .fetch(.bodyBytes(chunk))

            case .fetchItems(let boundary?):
                if let event = try fetchStep(&buffer, boundary: boundary) { return event }

            case .fetchItems(nil):
                let boundary = try scanner.scan(buffer, maxLineLength: limits.maxLineLength, literalsAllowed: true)
                switch boundary {
                case .needMore:
                    return nil
                case .literal(let size, mayBeBody: false):
                    // Not a body: the literal belongs to an item that continues past it, so
                    // parsing now would only re-read that item. Keep it and scan on.
                    try holdLiteral(size)
                case .literal, .lineEnd:
                    mode = .fetchItems(boundary: boundary)
                }

            case .response:
                if scanner.position == 0, let first = buffer.readableBytesView.first {
                    try Self.checkResponseStart(first, buffer)
                }
                let continuation = buffer.readableBytesView.first == UInt8(ascii: "+")
                let boundary = try scanner.scan(buffer, maxLineLength: limits.maxLineLength, literalsAllowed: !continuation)
                if boundary == .needMore { return nil }
                if scanner.segments == 1, let sequence = fetchPrefix(&buffer) {
                    mode = .fetchItems(boundary: boundary)
                    return .fetch(.start(sequence: sequence))
                }
                switch boundary {
                case .literal(let size, _):
                    try holdLiteral(size)
                case .lineEnd:
                    if let event = try completeResponse(&buffer) { return event }
                case .needMore:
                    return nil
                }
            }
        }
    }

    /// A response starts with `*`, `+` or a tag character; anything else is garbage, caught here
    /// rather than after a whole line of it. Stray CR/LF between responses is tolerated.
    private static func checkResponseStart(_ first: UInt8, _ buffer: ByteBuffer) throws(IMAPParseError) {
        if first == UInt8(ascii: "*") || first == UInt8(ascii: "+") || first == 0x0D || first == 0x0A { return }
        if GrammarCursor.isAStringChar(first) && first < 0x80 { return }
        throw .invalid("expected a response", excerpt: IMAPParseError.excerpt(buffer.readableBytesView.prefix(40)))
    }

    /// If the first segment is `* n FETCH (`, consumes that prefix and returns n.
    private mutating func fetchPrefix(_ buffer: inout ByteBuffer) -> UInt32? {
        guard buffer.readableBytesView.first == UInt8(ascii: "*") else { return nil }
        var cursor = GrammarCursor(buffer: buffer, start: buffer.readerIndex, end: buffer.readerIndex + scanner.position,
                                   maxDepth: limits.maxDepth)
        guard let sequence = try? cursor.fetchPrefix() else { return nil }
        consume(&buffer, upTo: cursor.index)
        return sequence
    }

    /// Parses the complete response `[0, scanner.position)`; nil for a blank line (skipped).
    private mutating func completeResponse(_ buffer: inout ByteBuffer) throws(IMAPParseError) -> ResponseEvent? {
        let start = buffer.readerIndex
        let end = start + scanner.position
        defer {
            buffer.moveReaderIndex(to: end)
            scanner.reset()
        }
        let first = buffer.getInteger(at: start, as: UInt8.self)
        if first == 0x0D || first == 0x0A {
            // Blank line: tolerated only as a whole line of its own.
            guard scanner.position <= 2 else { throw .invalid("expected a response") }
            return nil
        }
        var cursor = GrammarCursor(buffer: buffer, start: start, end: end, maxDepth: limits.maxDepth)
        do {
            return try cursor.completeResponse()
        } catch {
            switch error {
            case .incomplete: throw cursor.incompleteError()
            case .invalid(let e): throw e
            }
        }
    }

    /// One step inside a FETCH response over the bytes up to `boundary`; nil when the item
    /// goes on past the boundary (then the scanner resumes).
    private mutating func fetchStep(_ buffer: inout ByteBuffer, boundary: FrameScanner.Boundary) throws(IMAPParseError) -> ResponseEvent? {
        let start = buffer.readerIndex
        var cursor = GrammarCursor(buffer: buffer, start: start, end: start + scanner.position, depth: 1,
                                   maxDepth: limits.maxDepth)
        let step: FetchStep
        do {
            step = try cursor.fetchStep()
        } catch {
            switch error {
            case .invalid(let e):
                throw e
            case .incomplete:
                // The current item needs what follows the boundary.
                switch boundary {
                case .literal(let size, _):
                    try holdLiteral(size)
                    mode = .fetchItems(boundary: nil)
                    return nil
                case .lineEnd, .needMore:
                    throw cursor.incompleteError()
                }
            }
        }
        consume(&buffer, upTo: cursor.index)
        switch step {
        case .attribute(let attribute):
            return .fetch(.attribute(attribute))
        case .finish:
            guard scanner.position == 0, boundary == .lineEnd else {
                throw .invalid("unexpected data after FETCH response")
            }
            scanner.reset()
            mode = .response
            return .fetch(.finish)
        case .bodyLiteral(let section, let origin, let size):
            mode = .fetchBody(remaining: size)
            return .fetch(.bodyStart(section: section, origin: origin, size: size))
        case .bodyInline(let section, let origin, let bytes):
            if let bytes, bytes.readableBytes > 0 { queued.append(.fetch(.bodyBytes(bytes))) }
            queued.append(.fetch(.bodyEnd))
            return .fetch(.bodyStart(section: section, origin: origin, size: bytes?.readableBytes ?? 0))
        }
    }

    /// Keeps a literal of `size` bytes in the buffer (to parse with its response), within the limit.
    private mutating func holdLiteral(_ size: Int) throws(IMAPParseError) {
        guard size <= limits.maxLiteralSize - scanner.heldLiteralBytes else { throw .literalTooLarge }
        scanner.skipLiteral(size: size)
    }

    private mutating func consume(_ buffer: inout ByteBuffer, upTo index: Int) {
        let count = index - buffer.readerIndex
        buffer.moveReaderIndex(forwardBy: count)
        scanner.consumed(count)
    }
}

extension GrammarCursor {
    /// A rule ran out of input although the response was complete: it ended too early.
    func incompleteError() -> IMAPParseError {
        let from = max(buffer.readerIndex, end - 40)
        let bytes = buffer.getBytes(at: from, length: end - from) ?? []
        return .invalid("response ends early", excerpt: IMAPParseError.excerpt(bytes))
    }
}
