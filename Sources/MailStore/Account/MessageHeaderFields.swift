/// The header fields the local-account listings show, taken from a message's header block.
public struct MessageHeaderFields: Sendable, Hashable {
    /// How much of a message is read for its header: beyond, a header is not looked at.
    public static let headerLimit = 64 << 10
    /// With its angle brackets, as written.
    public var messageID: String?
    /// Unfolded; RFC 2047 encoded words in UTF-8, US-ASCII or ISO-8859-1 decoded.
    public var subject: String?

    public init(messageID: String? = nil, subject: String? = nil) {
        self.messageID = messageID
        self.subject = subject
    }

    /// Reads the fields from the bytes of a message (or the start of one): the header ends at the
    /// first empty line; continuation lines are unfolded; the first occurrence of a field wins.
    public init(parsing bytes: [UInt8]) {
        var fields: [String: String] = [:]
        var current: (name: String, value: [UInt8])?
        func close() {
            if let field = current, fields[field.name] == nil {
                fields[field.name] = String(decoding: field.value, as: UTF8.self).trimmingSpaces
            }
            current = nil
        }
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            var line = bytes[start..<end]
            if line.last == 0x0D { line = line.dropLast() }
            start = end + 1
            if line.isEmpty { break }
            if line.first == 0x20 || line.first == 0x09 {
                current?.value += line
                continue
            }
            close()
            guard let colon = line.firstIndex(of: 0x3A) else { continue }
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self).lowercased()
            guard name == "message-id" || name == "subject" else { continue }
            current = (name, Array(line[(colon + 1)...]))
        }
        close()
        messageID = fields["message-id"]
        subject = fields["subject"].map(EncodedWords.decode)
    }
}

extension String {
    var trimmingSpaces: String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
