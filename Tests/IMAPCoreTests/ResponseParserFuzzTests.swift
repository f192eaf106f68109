import IMAPCore
import NIOCore
import Testing
import TestSupport

@Suite("ResponseParser fuzzing")
struct ResponseParserFuzzTests {
    /// Bytes that matter to the grammar, so mutations hit interesting paths.
    static let alphabet = Array("* +(){}[]<>~\"\\\r\n0123456789:,NILOKFETCHBODYUIDLISTabc%&-.".utf8) + [0, 0x80, 0xFF]

    static func mutate(_ input: [UInt8], _ rng: inout SeededGenerator) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...6, using: &rng) {
            let op = Int.random(in: 0..<5, using: &rng)
            let at = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &rng)
            switch op {
            case 0 where !bytes.isEmpty: bytes[at] = alphabet.randomElement(using: &rng) ?? 0
            case 1: bytes.insert(alphabet.randomElement(using: &rng) ?? 0, at: at)
            case 2 where !bytes.isEmpty: bytes.remove(at: at)
            case 3: bytes = Array(bytes.prefix(at))
            default:
                // Duplicate a slice, which repeats literal headers, parens and CRLFs.
                let end = min(bytes.count, at + Int.random(in: 1...12, using: &rng))
                bytes.insert(contentsOf: bytes[at..<end], at: at)
            }
        }
        return bytes
    }

    /// Feeds `input` in random pieces; the parser must return nil or throw, and consume bytes
    /// or change state within a bounded number of calls.
    static func feed(_ input: [UInt8], _ rng: inout SeededGenerator) -> (events: Int, threw: Bool) {
        var parser = ResponseParser(limits: .init(maxLineLength: 2048, maxDepth: 8, maxLiteralSize: 512))
        var buffer = ByteBuffer()
        var offset = 0
        var events = 0
        var calls = 0
        while offset < input.count {
            let size = Int.random(in: 1...64, using: &rng)
            let end = min(input.count, offset + size)
            buffer.writeBytes(input[offset..<end])
            offset = end
            while true {
                calls += 1
                // Each event consumes a byte or follows a consuming one (body end, queued parts).
                if calls > 4 * input.count + 16 {
                    Issue.record("parser looped on \(IMAPParseErrorExcerpt.of(input))")
                    return (events, false)
                }
                do {
                    guard try parser.next(&buffer) != nil else { break }
                    events += 1
                } catch {
                    #expect(error.reason.utf8.count <= 160)
                    return (events, true)
                }
            }
        }
        return (events, false)
    }

    @Test func mutatedFixturesNeverCrashOrLoop() throws {
        let fixtures = try Fixture.loadAll()
        var rng = SeededGenerator(state: 0x1234_5678)
        var threw = 0
        for round in 0..<3000 {
            let base = fixtures[round % fixtures.count].input
            let input = Self.mutate(base, &rng)
            if Self.feed(input, &rng).threw { threw += 1 }
        }
        // Sanity: the mutations must actually produce both outcomes.
        #expect(threw > 100)
        #expect(threw < 3000)
    }

    @Test func randomBytesNeverCrashOrLoop() {
        var rng = SeededGenerator(state: 42)
        for _ in 0..<2000 {
            let count = Int.random(in: 0...300, using: &rng)
            var input = (0..<count).map { _ in Self.alphabet.randomElement(using: &rng) ?? 0 }
            if Bool.random(using: &rng) { input.insert(contentsOf: Array("* 1 FETCH (".utf8), at: 0) }
            _ = Self.feed(input, &rng)
        }
    }
}

enum IMAPParseErrorExcerpt {
    static func of(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.prefix(80), as: UTF8.self).debugDescription
    }
}
