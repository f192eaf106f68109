import Foundation
import IMAPCore
import NIOCore

/// One parser fixture read from `Fixtures/*.txt` (format in `Fixtures/README.txt`).
struct Fixture: Sendable, CustomStringConvertible {
    var file: String
    var name: String
    var input: [UInt8] = []
    var expected: [String] = []
    /// `invalid`, `lineTooLong`, `tooDeep` or `literalTooLarge`.
    var expectedError: String?
    /// The input ends inside a response: the parser must ask for more, with bytes left over.
    var incomplete = false
    var limits = ResponseParser.Limits()

    var description: String { "\(file): \(name)" }

    static func errorKind(_ error: IMAPParseError) -> String {
        switch error {
        case .invalid: return "invalid"
        case .lineTooLong: return "lineTooLong"
        case .tooDeep: return "tooDeep"
        case .literalTooLarge: return "literalTooLarge"
        }
    }

    /// All fixtures of all files in the bundled `Fixtures` folder.
    static func loadAll() throws -> [Fixture] {
        guard let folder = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw FixtureError.missing("Fixtures folder")
        }
        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "txt" && $0.lastPathComponent != "README.txt" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        return try files.flatMap { url in
            try parse(String(contentsOf: url, encoding: .utf8), file: url.lastPathComponent)
        }
    }

    static func parse(_ text: String, file: String) throws -> [Fixture] {
        var fixtures: [Fixture] = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(rawLine)
            if line.hasPrefix("=== ") {
                fixtures.append(Fixture(file: file, name: String(line.dropFirst(4))))
                continue
            }
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard !fixtures.isEmpty else { throw FixtureError.syntax("\(file):\(number + 1): line before first ===") }
            let body = String(line.dropFirst(3))
            switch line.prefix(3) {
            case "<< ": fixtures[fixtures.count - 1].input += try unescape(body)
            case ">> ": fixtures[fixtures.count - 1].expected.append(body)
            case "!! ": fixtures[fixtures.count - 1].expectedError = body
            case ".. ": fixtures[fixtures.count - 1].incomplete = true
            case "%% ":
                for setting in body.split(separator: " ") {
                    let pair = setting.split(separator: "=")
                    guard pair.count == 2, let value = Int(pair[1]) else { throw FixtureError.syntax("\(file):\(number + 1)") }
                    switch pair[0] {
                    case "maxLineLength": fixtures[fixtures.count - 1].limits.maxLineLength = value
                    case "maxDepth": fixtures[fixtures.count - 1].limits.maxDepth = value
                    case "maxLiteralSize": fixtures[fixtures.count - 1].limits.maxLiteralSize = value
                    default: throw FixtureError.syntax("\(file):\(number + 1): unknown limit")
                    }
                }
            default:
                throw FixtureError.syntax("\(file):\(number + 1): \(line)")
            }
        }
        return fixtures
    }

    /// `\r`, `\n`, `\t`, `\\` and `\xNN`; any other backslash is kept (so `\Seen` needs no escaping).
    static func unescape(_ s: String) throws -> [UInt8] {
        var out: [UInt8] = []
        var bytes = Array(s.utf8)[...]
        while let b = bytes.popFirst() {
            guard b == UInt8(ascii: "\\") else { out.append(b); continue }
            switch bytes.popFirst() {
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "x"):
                let hex = String(decoding: bytes.prefix(2), as: UTF8.self)
                bytes = bytes.dropFirst(2)
                guard let value = UInt8(hex, radix: 16) else { throw FixtureError.syntax("bad \\x escape in \(s)") }
                out.append(value)
            case let other?:
                out.append(UInt8(ascii: "\\"))
                out.append(other)
            case nil:
                out.append(UInt8(ascii: "\\"))
            }
        }
        return out
    }
}

enum FixtureError: Error {
    case missing(String)
    case syntax(String)
}

/// What feeding some input to a fresh parser produced.
struct ParseOutcome: Equatable {
    var events: [String]
    var error: String?
    /// Bytes the parser left unconsumed when it asked for more.
    var leftover: Int
}

enum FixtureRunner {
    /// Feeds `input` in the pieces given by `cuts` (offsets where a new read starts), draining
    /// the parser after each piece. Fails (returns an `error` of "loop") if the parser keeps
    /// returning events without consuming bytes.
    static func run(_ input: [UInt8], cuts: [Int], limits: ResponseParser.Limits) -> ParseOutcome {
        var parser = ResponseParser(limits: limits)
        var buffer = ByteBuffer()
        var events: [ResponseEvent] = []
        var start = 0
        let bounds = cuts + [input.count]
        var budget = 4 * input.count + 64
        for stop in bounds where stop >= start {
            buffer.writeBytes(input[start..<stop])
            start = stop
            buffer.discardReadBytes()
            while true {
                budget -= 1
                if budget < 0 { return ParseOutcome(events: EventRendering.render(events), error: "loop", leftover: buffer.readableBytes) }
                do {
                    guard let event = try parser.next(&buffer) else { break }
                    events.append(event)
                } catch {
                    return ParseOutcome(events: EventRendering.render(events), error: Fixture.errorKind(error),
                                        leftover: buffer.readableBytes)
                }
            }
        }
        return ParseOutcome(events: EventRendering.render(events), error: nil, leftover: buffer.readableBytes)
    }
}
