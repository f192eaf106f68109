import Foundation
import NIOCore

/// The `Message-ID` of a raw RFC 5322 message, for change events: read from the header block
/// only (at most `limit` bytes), folded lines unfolded, surrounding blanks trimmed. Never throws:
/// a message without one (or with a malformed header block) has none.
public enum MessageIDHeader {
    public static let limit = 64 << 10

    public static func value(in message: ByteBuffer) -> String? {
        message.withUnsafeReadableBytes { value(in: $0) }
    }

    /// The same for a message in the chunks it arrived in (the header may span several).
    public static func value(in chunks: [ByteBuffer]) -> String? {
        if chunks.count == 1 { return value(in: chunks[0]) }
        return value(in: chunks.lazy.flatMap(\.readableBytesView))
    }

    public static func value(in bytes: some Collection<UInt8>) -> String? {
        var lines: [[UInt8]] = []
        var line: [UInt8] = []
        for byte in bytes.prefix(limit) {
            if byte == UInt8(ascii: "\n") {
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                if line.isEmpty { break }  // the end of the header block
                lines.append(line)
                line = []
            } else {
                line.append(byte)
            }
        }
        let name = Array("message-id:".utf8)
        for (index, candidate) in lines.enumerated() where candidate.count >= name.count {
            guard zip(candidate.prefix(name.count), name).allSatisfy({ lowercased($0) == $1 }) else { continue }
            var value = Array(candidate.dropFirst(name.count))
            // Continuation lines start with white space (RFC 5322 §2.2.3).
            for next in lines.dropFirst(index + 1) {
                guard let first = next.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") else { break }
                value += next
            }
            let text = String(decoding: value, as: UTF8.self).trimmingCharacters(in: .whitespaces)
            return text.isEmpty ? nil : text
        }
        return nil
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }
}

/// A message a fetch stored, announced once its batch is committed (`message.new` events).
public struct CommittedMessage: Sendable, Equatable {
    /// The mailbox (decoded name; the same locally and remotely).
    public var mailbox: String
    /// The message's UID on the remote server, under `uidValidity`.
    public var uid: UInt32
    public var uidValidity: UInt32
    public var messageID: String?
    public var size: Int

    public init(mailbox: String, uid: UInt32, uidValidity: UInt32, messageID: String?, size: Int) {
        self.mailbox = mailbox
        self.uid = uid
        self.uidValidity = uidValidity
        self.messageID = messageID
        self.size = size
    }
}
