import Foundation
import IMAPCore

/// An event's date as RFC 3339 UTC with milliseconds, `2026-12-03T14:25:58.123Z`: the text
/// `Date.ISO8601FormatStyle(includingFractionalSeconds: true)` writes, made without a calendar.
/// A `test` order's two events carry up to eight dates; through the format style they were a
/// tenth of the daemon's CPU per order. `EventTimestampTests` compares both.
enum EventTimestamp {
    static func format(_ date: Date) -> String {
        // From the date's own value (seconds since 2001), as the format style reads it: since
        // 1970 the sum rounds, and a millisecond could come out one lower. Truncated, as it does.
        let interval = date.timeIntervalSinceReferenceDate
        let whole = interval.rounded(.down)
        let millis = min(999, max(0, Int(((interval - whole) * 1000).rounded(.down))))
        let seconds = Int(whole) + 978_307_200
        let days = (seconds >= 0 ? seconds : seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = InternalDate.civil(fromDays: Int64(days))
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        func digits(_ value: Int, _ count: Int) {
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                divisor /= 10
            }
        }
        digits(year, 4); bytes.append(UInt8(ascii: "-"))
        digits(month, 2); bytes.append(UInt8(ascii: "-"))
        digits(day, 2); bytes.append(UInt8(ascii: "T"))
        digits(secondOfDay / 3600, 2); bytes.append(UInt8(ascii: ":"))
        digits(secondOfDay / 60 % 60, 2); bytes.append(UInt8(ascii: ":"))
        digits(secondOfDay % 60, 2); bytes.append(UInt8(ascii: "."))
        digits(millis, 3); bytes.append(UInt8(ascii: "Z"))
        return String(decoding: bytes, as: UTF8.self)
    }
}
