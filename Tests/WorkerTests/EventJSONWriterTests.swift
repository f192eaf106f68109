import Foundation
import Testing
@testable import Worker

/// The hand-written event encoder writes exactly what `JSONEncoder` writes, field by field.
@Suite struct EventJSONWriterTests {
    static let strings = ["", "plain", "a/b", "quote \" and \\ backslash", "tab\tnew\nline\rcr", "\u{08}\u{0C}\u{01}\u{1F}\u{7F}",
                          "Développement ✉️ 日本", "{\"json\":[1,2]}"]
    static let doubles: [Double] = [0, 0.001, 0.5, 1, 12.5, 123.456, 1e-5, 86_400.25, 1e20, 3_600_000.125]
    static let dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 1_764_620_000.125),
                        Date(timeIntervalSince1970: 1_764_620_012.9996), Date(timeIntervalSince1970: 4_102_444_799.999)]

    private func expectSame(_ event: WorkerEvent, sourceLocation: SourceLocation = #_sourceLocation) {
        let ours = String(decoding: event.encoded(), as: UTF8.self)
        let foundation = String(decoding: event.encodedByFoundation(), as: UTF8.self)
        #expect(ours == foundation, sourceLocation: sourceLocation)
    }

    @Test func minimalEventOfEveryKind() {
        for kind in [WorkerEvent.Kind.accepted, .progress, .completed, .failed, .rejected, .identityDeactivated] {
            expectSame(WorkerEvent(event: kind, worker: "w"))
        }
    }

    @Test func everyFieldSet() {
        for (index, text) in Self.strings.enumerated() {
            var event = WorkerEvent(event: .failed, worker: "worker-\(text)", at: Self.dates[index % Self.dates.count])
            event.orderID = text
            event.order = "sync"
            event.userID = "u\(text)"
            event.identityID = "3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b"
            event.receivedAt = Self.dates[(index + 1) % Self.dates.count]
            event.startedAt = Self.dates[(index + 2) % Self.dates.count]
            event.finishedAt = Self.dates[(index + 3) % Self.dates.count]
            event.durationSeconds = Self.doubles[index % Self.doubles.count]
            event.attempts = index
            event.coalescedWith = index == 0 ? [] : Array(Self.strings.prefix(index))
            var stats = JobStats()
            stats.mailboxes = index
            stats.messagesFetched = 1_000_000 * index
            stats.messagesAppended = -index
            stats.bytes = Int.max - index
            event.stats = stats
            event.progress = JobProgress(mailbox: text, messagesDone: index, messagesTotal: 10, bytesDone: 0, bytesTotal: Int.max)
            event.error = JobFailure(.serverError, text, transient: true)
            event.createdIdentityID = text
            event.mailbox = text
            event.uid = UInt32.max - UInt32(index)
            event.uidValidity = UInt32(index)
            event.reason = text
            expectSame(event)
        }
    }

    @Test func everyDurationAndDate() {
        for (index, value) in Self.doubles.enumerated() {
            var event = WorkerEvent(event: .completed, worker: "w", at: Self.dates[index % Self.dates.count])
            event.durationSeconds = value
            expectSame(event)
        }
        for offset in stride(from: 0.0, to: 2.0, by: 0.0371) {
            expectSame(WorkerEvent(event: .accepted, worker: "w", at: Date(timeIntervalSince1970: 1_764_620_000 + offset)))
        }
    }
}
