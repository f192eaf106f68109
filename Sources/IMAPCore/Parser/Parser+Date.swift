extension GrammarCursor {
    /// date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE
    /// date-day-fixed = (SP DIGIT) / 2DIGIT
    /// time = 2DIGIT ":" 2DIGIT ":" 2DIGIT
    /// zone = ("+" / "-") 4DIGIT
    mutating func dateTime() throws(GrammarError) -> InternalDate {
        let start = index
        let raw = try quoted()
        guard let date = Self.parseDateTime(raw) else {
            index = start
            throw fail("bad date-time")
        }
        return date
    }

    static func parseDateTime(_ raw: [UInt8]) -> InternalDate? {
        var bytes = raw[...]
        func digits(_ count: Int) -> Int? {
            guard bytes.count >= count else { return nil }
            var value = 0
            for b in bytes.prefix(count) {
                guard isDigit(b) else { return nil }
                value = value * 10 + Int(b - 0x30)
            }
            bytes = bytes.dropFirst(count)
            return value
        }
        func literal(_ c: Character) -> Bool {
            guard bytes.first == c.asciiValue else { return false }
            bytes = bytes.dropFirst()
            return true
        }
        if bytes.first == UInt8(ascii: " ") { bytes = bytes.dropFirst() }
        // Day: one or two digits.
        guard let first = digits(1) else { return nil }
        var day = first
        if let b = bytes.first, isDigit(b), let second = digits(1) { day = day * 10 + second }
        guard literal("-"), bytes.count >= 3 else { return nil }
        let monthName = String(decoding: bytes.prefix(3), as: UTF8.self).lowercased()
        bytes = bytes.dropFirst(3)
        guard let month = InternalDate.monthNames.firstIndex(where: { $0.lowercased() == monthName }) else { return nil }
        guard literal("-"), let year = digits(4), literal(" "),
              let hour = digits(2), literal(":"), let minute = digits(2), literal(":"), let second = digits(2),
              literal(" ") else { return nil }
        let negative: Bool
        if literal("+") { negative = false } else if literal("-") { negative = true } else { return nil }
        guard let zh = digits(2), let zm = digits(2), bytes.isEmpty else { return nil }
        let offset = (zh * 60 + zm) * (negative ? -1 : 1)
        return InternalDate(year: year, month: month + 1, day: day, hour: hour, minute: minute, second: second,
                            utcOffsetMinutes: offset)
    }
}
