/// A calendar day for SEARCH (`date`, RFC 3501 §9): `1-Feb-1994`, no time or zone.
///
/// date = date-text / DQUOTE date-text DQUOTE
/// date-text = date-day "-" date-month "-" date-year
public struct SearchDate: Hashable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Nil unless it is a real day of years 1…9999.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...InternalDate.daysIn(month: month, year: year)).contains(day) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The day of `date` in its own zone.
    public init(_ date: InternalDate) {
        self.year = date.year
        self.month = date.month
        self.day = date.day
    }

    /// `1-Feb-1994`.
    public var imapString: String { "\(day)-\(InternalDate.monthNames[month - 1])-\(year)" }
    public var description: String { imapString }
}
