import Foundation

/// Writes a `WorkerEvent` as `JSONEncoder` (keys sorted, slashes unescaped, dates as
/// `EventCoding.timestamp`) would, byte for byte, without its boxing: encoding the two events of
/// a `test` order with `JSONEncoder` was a quarter of the daemon's CPU per order (issue 10).
/// Status events (a nested snapshot of the whole worker, rare) still go through `JSONEncoder`.
/// `EventEncodingTests` compares both encoders on every field.
struct EventJSONWriter {
    private var bytes: [UInt8] = []
    private var first = true

    static func encode(_ event: WorkerEvent) -> [UInt8] {
        var writer = EventJSONWriter()
        writer.bytes.reserveCapacity(512)
        writer.object {
            // In the order of the sorted keys (`WorkerEvent.CodingKeys`' raw values).
            $0.field("at", date: event.at)
            $0.field("attempts", int: event.attempts)
            $0.field("coalesced_with", strings: event.coalescedWith)
            $0.field("created_identity_id", string: event.createdIdentityID)
            $0.field("duration_seconds", double: event.durationSeconds)
            $0.field("error", object: event.error) { writer, error in
                writer.field("code", string: error.code.rawValue)
                writer.field("message", string: error.message)
            }
            $0.field("event", string: event.event.rawValue)
            $0.field("finished_at", date: event.finishedAt)
            $0.field("identity_id", string: event.identityID)
            $0.field("mailbox", string: event.mailbox)
            $0.field("order", string: event.order)
            $0.field("order_id", string: event.orderID)
            $0.field("progress", object: event.progress) { writer, progress in
                writer.field("bytes_done", int: progress.bytesDone)
                writer.field("bytes_total", int: progress.bytesTotal)
                writer.field("mailbox", string: progress.mailbox)
                writer.field("messages_done", int: progress.messagesDone)
                writer.field("messages_total", int: progress.messagesTotal)
            }
            $0.field("reason", string: event.reason)
            $0.field("received_at", date: event.receivedAt)
            $0.field("started_at", date: event.startedAt)
            $0.field("stats", object: event.stats) { writer, stats in
                writer.field("bytes", int: stats.bytes)
                writer.field("expunged", int: stats.expunged)
                writer.field("flags_updated", int: stats.flagsUpdated)
                writer.field("mailboxes", int: stats.mailboxes)
                writer.field("messages_appended", int: stats.messagesAppended)
                writer.field("messages_fetched", int: stats.messagesFetched)
                writer.field("messages_moved", int: stats.messagesMoved)
            }
            $0.field("uid", int: event.uid.map(Int.init))
            $0.field("uidvalidity", int: event.uidValidity.map(Int.init))
            $0.field("user_id", string: event.userID)
            $0.field("worker", string: event.worker)
        }
        return writer.bytes
    }

    // MARK: - Structure

    private mutating func object(_ body: (inout EventJSONWriter) -> Void) {
        bytes.append(UInt8(ascii: "{"))
        let outer = first
        first = true
        body(&self)
        first = outer
        bytes.append(UInt8(ascii: "}"))
    }

    private mutating func key(_ name: StaticString) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    // MARK: - Fields (absent values are left out, as `encodeIfPresent` does)

    /// A nested object, its fields written by `body` (in sorted order).
    private mutating func field<Value>(_ name: StaticString, object value: Value?,
                                       _ body: (inout EventJSONWriter, Value) -> Void) {
        guard let value else { return }
        key(name)
        object { body(&$0, value) }
    }

    private mutating func field(_ name: StaticString, string value: String?) {
        guard let value else { return }
        key(name)
        writeString(value)
    }

    private mutating func field(_ name: StaticString, int value: Int?) {
        guard let value else { return }
        key(name)
        bytes.append(contentsOf: String(value).utf8)
    }

    private mutating func field(_ name: StaticString, date value: Date?) {
        guard let value else { return }
        key(name)
        writeString(EventCoding.timestamp(value))
    }

    /// As `JSONEncoder`: the shortest representation, without a trailing ".0".
    private mutating func field(_ name: StaticString, double value: Double?) {
        guard let value else { return }
        key(name)
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
    }

    private mutating func field(_ name: StaticString, strings value: [String]?) {
        guard let value else { return }
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (index, item) in value.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            writeString(item)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// `"`, `\` and control characters escaped as `JSONEncoder` escapes them; `/` and non-ASCII as they are.
    private mutating func writeString(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                          hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
