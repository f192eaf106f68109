import Foundation
import Testing
@testable import Worker

/// The events' hand-made timestamps are the text Foundation's ISO 8601 format style writes.
@Suite struct EventTimestampTests {
    private func foundation(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    @Test func edgesOfDaysMonthsYearsAndLeapDays() {
        let dates: [Double] = [0, 0.999, 59.5, 86_399.999, 86_400, 951_782_400 /* 2000-02-29 */, 951_868_799.9995,
                               1_709_164_800.25 /* 2024-02-29 */, 1_735_689_599.999 /* 2024-12-31T23:59:59 */,
                               1_735_689_600, 4_102_444_799.999, 4_107_542_400 /* 2100-03-01 */, 1_764_620_012.9996]
        for seconds in dates {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(EventTimestamp.format(date) == foundation(date), "\(seconds)")
        }
    }

    @Test func manyDatesBetween1970And2100() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let date = Date(timeIntervalSince1970: Double.random(in: 0..<4_102_444_800, using: &generator))
            #expect(EventTimestamp.format(date) == foundation(date), "\(date.timeIntervalSince1970)")
        }
        for _ in 0..<20_000 {  // now, and now's milliseconds (a clock's values sit on microseconds)
            let date = Date()
            #expect(EventTimestamp.format(date) == foundation(date), "\(date.timeIntervalSinceReferenceDate)")
        }
        for _ in 0..<20_000 {  // right on and just around millisecond boundaries
            let millis = Double(Int.random(in: 0..<4_102_444_800_000, using: &generator)) / 1000
            let date = Date(timeIntervalSinceReferenceDate: millis - 978_307_200 + Double.random(in: -2e-6...2e-6, using: &generator))
            #expect(EventTimestamp.format(date) == foundation(date), "\(date.timeIntervalSinceReferenceDate)")
        }
    }
}
