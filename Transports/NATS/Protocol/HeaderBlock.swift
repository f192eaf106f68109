import NIOCore

/// The NATS/1.0 header block of HPUB/HMSG:
///
///     NATS/1.0[ <status>[ <description>]]\r\n
///     <name>: <value>\r\n          (zero or more)
///     \r\n
///
/// The status line is how the server reports no-responders (`NATS/1.0 503`).
enum HeaderBlock {
    struct Parsed: Equatable {
        var status: Int?
        var statusDescription: String?
        var headers: NATSHeaders
    }

    static let version = "NATS/1.0"

    /// Parses a complete block (the parser has already cut it by its announced length).
    static func parse(_ block: ByteBuffer) throws(NATSProtocolError) -> Parsed {
        let result: Result<Parsed, NATSProtocolError> = block.withUnsafeReadableBytes { bytes in
            var lines: [Range<Int>] = []
            var start = 0
            var index = 0
            while index + 1 < bytes.count {
                if bytes[index] == ASCII.cr && bytes[index + 1] == ASCII.lf {
                    lines.append(start..<index)
                    index += 2
                    start = index
                } else {
                    index += 1
                }
            }
            // The block ends with an empty line, so the last line found is empty and nothing follows.
            guard start == bytes.count, let last = lines.last, last.isEmpty, lines.count >= 2 else {
                return .failure(NATSProtocolError("header block not terminated by an empty line"))
            }
            func text(_ range: Range<Int>) -> String {
                String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
            }
            let statusLine = text(lines[0])
            guard statusLine.hasPrefix(version) else {
                return .failure(NATSProtocolError("header block does not start with \(version)"))
            }
            var parsed = Parsed(status: nil, statusDescription: nil, headers: NATSHeaders())
            let rest = statusLine.dropFirst(version.count).drop { $0 == " " || $0 == "\t" }
            if !rest.isEmpty {
                let code = rest.prefix { $0.isASCII && $0.isNumber }
                guard code.count == 3, let status = Int(code) else {
                    return .failure(NATSProtocolError("invalid status in header block"))
                }
                parsed.status = status
                let description = String(rest.dropFirst(3)).trimmingBlanks()
                if !description.isEmpty { parsed.statusDescription = description }
            }
            for line in lines[1..<(lines.count - 1)] {
                guard let colon = bytes[line].firstIndex(of: ASCII.colon), colon > line.lowerBound else {
                    return .failure(NATSProtocolError("header line without a name"))
                }
                let name = text(line.lowerBound..<colon)
                let value = text((colon + 1)..<line.upperBound).trimmingBlanks()
                parsed.headers.append(name, value)
            }
            return .success(parsed)
        }
        return try result.get()
    }

    /// Encodes `headers` as a block; throws if a name or value would break the framing.
    static func encode(_ headers: NATSHeaders) throws(NATSError) -> [UInt8] {
        var out: [UInt8] = Array(version.utf8)
        out.append(ASCII.cr)
        out.append(ASCII.lf)
        for field in headers.fields {
            guard !field.name.isEmpty, field.name.utf8.allSatisfy({ $0 > 0x20 && $0 != ASCII.colon && $0 != 0x7F }) else {
                throw NATSError.invalidHeader(field.name)
            }
            guard field.value.utf8.allSatisfy({ $0 != ASCII.cr && $0 != ASCII.lf }) else {
                throw NATSError.invalidHeader(field.name)
            }
            out.append(contentsOf: field.name.utf8)
            out.append(ASCII.colon)
            out.append(ASCII.space)
            out.append(contentsOf: field.value.utf8)
            out.append(ASCII.cr)
            out.append(ASCII.lf)
        }
        out.append(ASCII.cr)
        out.append(ASCII.lf)
        return out
    }
}
