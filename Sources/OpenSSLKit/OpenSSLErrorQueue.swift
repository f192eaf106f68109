import COpenSSL

/// OpenSSL's error queue is per thread: every operation starts by clearing it and ends by draining
/// it, so no error is ever left behind on an event-loop thread for another connection to trip over.
enum OpenSSLErrorQueue {
    struct Entry {
        let code: UInt
        let text: String
        var reason: Int32 { ERR_GET_REASON(code) }
        var library: Int32 { ERR_GET_LIB(code) }
    }

    static func clear() { ERR_clear_error() }

    /// Removes every queued error and returns them, oldest first.
    static func drain() -> [Entry] {
        var entries: [Entry] = []
        while true {
            var data: UnsafePointer<CChar>?
            var flags: Int32 = 0
            let code = ERR_get_error_all(nil, nil, nil, &data, &flags)
            if code == 0 { break }
            // Bound the list: a pathological queue must not grow a message without limit.
            guard entries.count < 16 else { continue }
            var text = Self.text(of: code)
            if flags & ERR_TXT_STRING != 0, let data, data.pointee != 0 { text += " (\(String(cString: data)))" }
            entries.append(Entry(code: code, text: text))
        }
        return entries
    }

    /// Drains the queue into one line, or `fallback` when it is empty.
    static func drainText(or fallback: String) -> String {
        let entries = drain()
        return entries.isEmpty ? fallback : entries.map(\.text).joined(separator: "; ")
    }

    static func text(of code: UInt) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
