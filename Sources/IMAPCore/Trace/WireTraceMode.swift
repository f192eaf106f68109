import NIOCore

/// What a wire trace (`imapctl sync --debug`) shows of the traffic. Literal payloads are never
/// shown, only their size; credentials are replaced by ``WireTrace/redacted`` unless asked for
/// (interimap's `--debug --debug`).
public enum WireTraceMode: Hashable, Sendable {
    case hidingSecrets
    case showingSecrets
}

/// The placeholders of a wire trace, the same for both directions.
public enum WireTrace {
    /// Stands for a credential (LOGIN's password, a SASL response or initial response).
    public static let redacted = "<redacted>"

    /// Stands for a literal's payload.
    public static func elided(_ count: Int) -> String { "<\(count) bytes>" }
}

extension WireTrace {
    /// The trace text of bytes the encoder made that hold no credential and no literal payload
    /// (DONE, a streamed APPEND's header): the text without its final CRLF.
    public static func text(of bytes: ByteBuffer) -> String {
        var text = String(buffer: bytes)
        if text.hasSuffix("\r\n") { text.removeLast() }  // "\r\n" is one Character
        return text
    }
}
