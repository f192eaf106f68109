import NIOCore

/// Finds where the pieces of one response end without understanding them: lines end at LF, and
/// a line ending in `{n}`, `{n+}` or `~{n}` announces a literal of n bytes. It keeps its place
/// between calls (so a partial line is never scanned twice and literal bytes are skipped, never
/// scanned), and enforces the line-length limit as bytes arrive.
///
/// Offsets are relative to the buffer's reader index; the owner reports consumed bytes with
/// ``consumed(_:)``.
struct FrameScanner {
    enum Boundary: Equatable {
        case needMore
        /// The response ends here (just after LF).
        case lineEnd
        /// A literal header ends here (just after its LF); its bytes follow. `mayBeBody` tells
        /// whether the token before it could name a FETCH body (`…]`, `…>`, `RFC822…`).
        case literal(size: Int, mayBeBody: Bool)
    }

    /// The next byte to examine.
    private(set) var position = 0
    /// Where the current line segment began.
    private var segmentStart = 0
    /// Bytes of a literal still to skip before line scanning resumes.
    private var literalRemaining = 0
    /// Non-literal bytes of this response in completed segments.
    private var lineBytes = 0
    /// Boundaries found in this response so far.
    private(set) var segments = 0
    /// Bytes of literals of this response kept in the buffer (skipped, not streamed).
    private(set) var heldLiteralBytes = 0

    mutating func reset() { self = FrameScanner() }

    /// The owner removed `count` bytes from the front of the buffer (never past `position`).
    mutating func consumed(_ count: Int) {
        position -= count
        segmentStart = max(0, segmentStart - count)
    }

    /// The literal announced by the last `.literal` boundary is to be skipped (kept in the buffer).
    mutating func skipLiteral(size: Int) {
        literalRemaining = size
        heldLiteralBytes += size
    }

    mutating func scan(_ buffer: ByteBuffer, maxLineLength: Int, literalsAllowed: Bool) throws(IMAPParseError) -> Boundary {
        let readable = buffer.readableBytes
        if literalRemaining > 0 {
            let step = min(literalRemaining, readable - position)
            position += step
            literalRemaining -= step
            guard literalRemaining == 0 else { return .needMore }
            segmentStart = position
        }
        let lf: Int? = buffer.withUnsafeReadableBytes { bytes in
            bytes[position...].firstIndex(of: 0x0A)
        }
        guard let lf else {
            position = readable
            if lineBytes + (position - segmentStart) > maxLineLength { throw .lineTooLong }
            return .needMore
        }
        lineBytes += lf + 1 - segmentStart
        if lineBytes > maxLineLength { throw .lineTooLong }
        let lineStart = segmentStart
        position = lf + 1
        segmentStart = position
        segments += 1
        if literalsAllowed, let literal = try Self.literalHeader(buffer, lineStart: lineStart, lf: lf) {
            return .literal(size: literal.size, mayBeBody: literal.mayBeBody)
        }
        return .lineEnd
    }

    /// If the line `[lineStart, lf)` ends with `{n}`, `{n+}`, `{n-}` or `~{n}` (before an optional
    /// CR), the literal's size, and whether it may be the value of a FETCH body item.
    static func literalHeader(_ buffer: ByteBuffer, lineStart: Int, lf: Int) throws(IMAPParseError) -> (size: Int, mayBeBody: Bool)? {
        let base = buffer.readerIndex
        func byte(_ i: Int) -> UInt8? {
            i >= lineStart ? buffer.getInteger(at: base + i, as: UInt8.self) : nil
        }
        var i = lf - 1
        if byte(i) == 0x0D { i -= 1 }
        guard byte(i) == UInt8(ascii: "}") else { return nil }
        i -= 1
        if byte(i) == UInt8(ascii: "+") || byte(i) == UInt8(ascii: "-") { i -= 1 }
        let digitsEnd = i + 1
        while let b = byte(i), b >= 0x30, b <= 0x39 { i -= 1 }
        guard i < digitsEnd - 1, byte(i) == UInt8(ascii: "{") else { return nil }
        var size = 0
        for j in (i + 1)..<digitsEnd {
            let digit = Int((byte(j) ?? 0x30) - 0x30)
            let (times, o1) = size.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(digit)
            if o1 || o2 { throw .literalTooLarge }
            size = sum
        }
        // The token before " {n}" / " ~{n}": a body item name ends in "]" or ">" (BODY[…],
        // BODY[…]<n>, BINARY[…]) or is RFC822, RFC822.HEADER or RFC822.TEXT.
        i -= 1
        if byte(i) == UInt8(ascii: "~") { i -= 1 }
        guard byte(i) == UInt8(ascii: " ") else { return (size, false) }
        while byte(i) == UInt8(ascii: " ") { i -= 1 }
        if byte(i) == UInt8(ascii: "]") || byte(i) == UInt8(ascii: ">") { return (size, true) }
        var name: [UInt8] = []
        while let b = byte(i), b != UInt8(ascii: " "), b != UInt8(ascii: "("), name.count < 13 {
            name.append(GrammarCursor.upper(b))
            i -= 1
        }
        let word = String(decoding: name.reversed(), as: UTF8.self)
        return (size, word == "RFC822" || word == "RFC822.HEADER" || word == "RFC822.TEXT")
    }
}
