import NIOCore

/// Cuts what a server sends into wire-trace lines, apart from the parser (a trace must not
/// change what is parsed): one line per response line without its CRLF; a literal's payload is
/// skipped by count and shown as ``WireTrace/elided(_:)`` after its `{N}` header, the line going
/// on after it. A line longer than ``maxLineLength`` is shown in pieces.
public struct InboundTraceScanner: Sendable {
    public static let maxLineLength = 16 * 1024

    private var line = ByteBuffer()
    private var literalRemaining = 0
    private var literalSize = 0

    public init() {}

    /// The lines completed by `bytes` (what was just read, in order).
    public mutating func feed(_ bytes: ByteBuffer) -> [String] {
        var lines: [String] = []
        var input = bytes
        while input.readableBytes > 0 {
            if literalRemaining > 0 {
                let step = min(literalRemaining, input.readableBytes)
                input.moveReaderIndex(forwardBy: step)
                literalRemaining -= step
                if literalRemaining == 0 { line.writeString(WireTrace.elided(literalSize)) }
                continue
            }
            let room = Self.maxLineLength - line.readableBytes
            guard room > 0 else {
                lines.append(String(buffer: line) + " …")
                line.clear()
                continue
            }
            let lf = input.readableBytesView.firstIndex(of: 0x0A)
            let end = lf.map { $0 - input.readerIndex + 1 } ?? input.readableBytes
            guard var piece = input.readSlice(length: min(end, room)) else { break }
            line.writeBuffer(&piece)
            if line.getInteger(at: line.writerIndex - 1, as: UInt8.self) == 0x0A { lineEnded(into: &lines) }
        }
        return lines
    }

    /// `line` ends with LF: a literal header (the line goes on after the payload) or the end.
    private mutating func lineEnded(into lines: inout [String]) {
        let size = (try? FrameScanner.literalHeader(line, lineStart: 0, lf: line.readableBytes - 1))??.size
        line.moveWriterIndex(to: line.writerIndex - 1)
        if line.getInteger(at: line.writerIndex - 1, as: UInt8.self) == 0x0D { line.moveWriterIndex(to: line.writerIndex - 1) }
        if let size {
            literalSize = size
            literalRemaining = size
            if size == 0 { line.writeString(WireTrace.elided(0)) }
            return
        }
        lines.append(String(buffer: line))
        line.clear()
    }
}
