import NIOCore

/// Accumulates a command's bytes, starting a new part after each synchronising literal header.
/// Large caller buffers (APPEND messages) are kept as chunks of their own rather than copied.
///
/// With a ``WireTraceMode`` it also writes each part's trace text as it goes: the same text
/// without line ends, literal payloads as their size, and what ``secret(_:)`` wrote as
/// ``WireTrace/redacted`` (the caller marks secrets; nothing is recognised afterwards).
struct CommandWriter {
    /// Largest quoted string written; longer values become literals.
    static let maxQuotedLength = 1024
    /// LITERAL- (RFC 7888) allows non-synchronising literals up to this size.
    static let literalMinusLimit = 4096

    let literalPlus: Bool
    let literalMinus: Bool
    private var parts: [[ByteBuffer]] = []
    /// Finished chunks of the part being written.
    private var chunks: [ByteBuffer] = []
    private var current = ByteBuffer()
    /// nil: no trace (the default; nothing below costs anything then).
    let traceMode: WireTraceMode?
    private var traceParts: [String] = []
    private var traceText = ""
    private var secretState = SecretState.none

    private enum SecretState {
        case none
        /// Inside ``secret(_:)`` with secrets hidden: nothing more is traced.
        case hidden
        /// Inside ``secret(_:)`` with secrets shown: a literal's payload is traced too.
        case shown
    }

    init(literalPlus: Bool, literalMinus: Bool, trace: WireTraceMode? = nil) {
        self.literalPlus = literalPlus
        self.literalMinus = literalMinus
        self.traceMode = trace
    }

    /// The trace text of each part, once ``finish()`` returned; nil without a trace mode.
    var trace: [String]? { traceMode == nil ? nil : traceParts }

    mutating func write(_ text: String) {
        current.writeString(text)
        traced(text)
    }

    mutating func writeBytes<Bytes: Collection<UInt8>>(_ bytes: Bytes) {
        current.writeBytes(bytes)
        traced(String(decoding: bytes, as: UTF8.self))
    }

    private mutating func traced(_ text: @autoclosure () -> String) {
        guard traceMode != nil, secretState != .hidden else { return }
        traceText += text()
    }

    /// Writes a credential with `body`; the trace shows ``WireTrace/redacted`` in its place
    /// unless secrets are shown.
    mutating func secret(_ body: (inout CommandWriter) -> Void) {
        guard let traceMode else { return body(&self) }
        if traceMode == .hidingSecrets { traced(WireTrace.redacted) }
        secretState = traceMode == .hidingSecrets ? .hidden : .shown
        body(&self)
        secretState = .none
    }

    /// astring = 1*ASTRING-CHAR / string
    mutating func astring<Bytes: Collection<UInt8>>(_ bytes: Bytes) {
        if !bytes.isEmpty, bytes.allSatisfy({ GrammarCursor.isAStringChar($0) && $0 < 0x80 }) {
            writeBytes(bytes)
        } else {
            string(bytes)
        }
    }

    /// list-mailbox = 1*list-char / string
    mutating func listMailbox<Bytes: Collection<UInt8>>(_ bytes: Bytes) {
        if !bytes.isEmpty, bytes.allSatisfy({ GrammarCursor.isListChar($0) && $0 < 0x80 }) {
            writeBytes(bytes)
        } else {
            string(bytes)
        }
    }

    /// string = quoted / literal: quoted when short 7-bit text without CR/LF/NUL, else a literal.
    mutating func string<Bytes: Collection<UInt8>>(_ bytes: Bytes) {
        let quotable = bytes.count <= Self.maxQuotedLength && bytes.allSatisfy { $0 >= 0x01 && $0 < 0x80 && $0 != 0x0D && $0 != 0x0A }
        guard quotable else {
            var buffer = ByteBuffer()
            buffer.writeBytes(bytes)
            literal(buffer)
            return
        }
        let start = current.writerIndex
        current.writeInteger(UInt8(ascii: "\""))
        for b in bytes {
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { current.writeInteger(UInt8(ascii: "\\")) }
            current.writeInteger(b)
        }
        current.writeInteger(UInt8(ascii: "\""))
        if traceMode != nil {
            let quoted = current.getString(at: start, length: current.writerIndex - start) ?? ""
            traced(quoted)
        }
    }

    /// literal = "{" number ["+"] "}" CRLF *CHAR8; literal8 = "~{" number ["+"] "}" CRLF *OCTET
    ///
    /// With `shared`, the buffer becomes a chunk of its own (no copy), for message bodies.
    mutating func literal(_ bytes: ByteBuffer, binary: Bool = false, shared: Bool = false) {
        let size = bytes.readableBytes
        let nonSynchronising = literalPlus || (literalMinus && size <= Self.literalMinusLimit)
        let header = (binary ? "~{" : "{") + String(size) + (nonSynchronising ? "+}" : "}")
        current.writeString(header + "\r\n")
        traced(header)
        if !nonSynchronising { endPart() }
        if traceMode != nil {
            let payload = secretState == .shown ? String(buffer: bytes) : WireTrace.elided(size)
            traced(payload)
        }
        if shared {
            endChunk()
            chunks.append(bytes)
        } else {
            var copy = bytes
            current.writeBuffer(&copy)
        }
    }

    private mutating func endChunk() {
        if current.readableBytes > 0 { chunks.append(current) }
        current = ByteBuffer()
    }

    private mutating func endPart() {
        endChunk()
        parts.append(chunks)
        chunks = []
        if traceMode != nil {
            traceParts.append(traceText)
            traceText = ""
        }
    }

    /// Writes `items` separated by `separator`, each with `body`.
    mutating func each<Items: Sequence>(_ items: Items, separator: String = " ",
                                        _ body: (inout CommandWriter, Items.Element) -> Void) {
        var first = true
        for item in items {
            if !first { write(separator) }
            first = false
            body(&self, item)
        }
    }

    /// flag-list = "(" [flag *(SP flag)] ")"
    mutating func flagList(_ flags: [MessageFlag]) {
        write("(" + flags.map(\.rawValue).joined(separator: " ") + ")")
    }

    /// Ends the command with CRLF and returns its parts.
    mutating func finish() -> [[ByteBuffer]] { finish(lineEnd: true) }

    /// Returns the parts, with or without the final CRLF (a streamed APPEND goes on after them).
    mutating func finish(lineEnd: Bool) -> [[ByteBuffer]] {
        if lineEnd { current.writeString("\r\n") }
        endPart()
        return parts
    }
}
