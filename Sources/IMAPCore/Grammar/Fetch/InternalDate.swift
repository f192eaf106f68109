/// A message's internal date (`date-time`, RFC 3501 §9): `"dd-Mon-yyyy hh:mm:ss +zzzz"`.
public struct InternalDate: Hashable, Sendable, CustomStringConvertible {
    public let year: Int
    /// 1…12.
    public let month: Int
    /// 1…31.
    public let day: Int
    public let hour: Int
    public let minute: Int
    public let second: Int
    /// Offset of the zone from UTC in minutes (`+0200` is 120).
    public let utcOffsetMinutes: Int

    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Validates the ranges (day against the month's length, offset within ±99:59).
    public init?(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, utcOffsetMinutes: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...Self.daysIn(month: month, year: year)).contains(day),
              (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second),
              (-5999...5999).contains(utcOffsetMinutes) else { return nil }
        self.year = year; self.month = month; self.day = day
        self.hour = hour; self.minute = minute; self.second = second
        self.utcOffsetMinutes = utcOffsetMinutes
    }

    /// The wall-clock time at `utcOffsetMinutes` for the instant `epoch` (seconds since 1970 UTC).
    public init(epoch: Int64, utcOffsetMinutes: Int = 0) {
        let local = epoch + Int64(utcOffsetMinutes) * 60
        let days = local >= 0 ? local / 86400 : (local - 86399) / 86400
        let secs = Int(local - days * 86400)
        let (y, m, d) = Self.civil(fromDays: days)
        self.year = y; self.month = m; self.day = d
        self.hour = secs / 3600; self.minute = secs / 60 % 60; self.second = secs % 60
        self.utcOffsetMinutes = utcOffsetMinutes
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    public var epochSeconds: Int64 {
        let days = Self.days(fromCivil: year, month, day)
        return days * 86400 + Int64(hour * 3600 + minute * 60 + second) - Int64(utcOffsetMinutes) * 60
    }

    /// The `date-time` text without quotes: `02-Jan-2024 13:05:09 +0100`.
    public var imapString: String {
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let sign = utcOffsetMinutes < 0 ? "-" : "+"
        let offset = abs(utcOffsetMinutes)
        let year = String(self.year)
        let paddedYear = String(repeating: "0", count: max(0, 4 - year.count)) + year
        return "\(two(day))-\(Self.monthNames[month - 1])-\(paddedYear) \(two(hour)):\(two(minute)):\(two(second)) "
            + "\(sign)\(two(offset / 60))\(two(offset % 60))"
    }

    public var description: String { imapString }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian calendar).
    static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// (year, month, day) of a count of days since 1970-01-01.
    public static func civil(fromDays days: Int64) -> (Int, Int, Int) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (Int(y), Int(m), Int(d))
    }
}
