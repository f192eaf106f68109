/// An INI file read the way InterIMAP reads it (Perl's Config::Tiny 2.x): lines split at CR,
/// LF or CRLF; blank lines and lines starting (after blanks) with `#` or `;` skipped; an inline
/// ` ; comment` removed; `[section]`; `key = value` with blanks trimmed around both; keys
/// before any section in the default section; a repeated key or section: the last one wins.
struct INIDocument {
    struct Entry: Hashable {
        var value: String
        var line: Int
    }

    /// The default section's name (Config::Tiny's `_`).
    static let defaultSection = "_"

    private(set) var sections: [String: [String: Entry]] = [:]
    /// Line of each section's first header.
    private(set) var sectionLines: [String: Int] = [:]

    enum SyntaxError: Error, Hashable {
        case badLine(line: Int, text: String)
    }

    init(parsing text: String) throws(SyntaxError) {
        var section = Self.defaultSection
        for (index, rawLine) in Self.lines(of: text).enumerated() {
            let number = index + 1
            let trimmedStart = rawLine.drop(while: Self.isBlank)
            if trimmedStart.isEmpty || trimmedStart.first == "#" || trimmedStart.first == ";" { continue }
            let line = Self.removingInlineComment(rawLine)
            let content = Self.trimmed(Substring(line))
            if content.first == "[", content.last == "]", content.count > 2 {
                let name = Self.trimmed(content.dropFirst().dropLast())
                if !name.isEmpty {
                    section = String(name)
                    if sections[section] == nil { sections[section] = [:] }
                    if sectionLines[section] == nil { sectionLines[section] = number }
                    continue
                }
            }
            guard let equals = content.firstIndex(of: "="), equals != content.startIndex else {
                throw .badLine(line: number, text: String(rawLine))
            }
            let key = Self.trimmed(content[..<equals])
            guard !key.isEmpty else { throw .badLine(line: number, text: String(rawLine)) }
            let value = Self.trimmed(content[content.index(after: equals)...])
            sections[section, default: [:]][String(key)] = Entry(value: String(value), line: number)
        }
    }

    /// Config::Tiny's `split /(?:\015{1,2}\012|\015|\012)/`.
    private static func lines(of text: String) -> [Substring] {
        var result: [Substring] = []
        var start = text.unicodeScalars.startIndex
        var i = start
        let scalars = text.unicodeScalars
        while i < scalars.endIndex {
            let c = scalars[i]
            if c == "\r" || c == "\n" {
                result.append(Substring(scalars[start..<i]))
                var next = scalars.index(after: i)
                if c == "\r" {
                    if next < scalars.endIndex, scalars[next] == "\n" {
                        next = scalars.index(after: next)
                    } else if next < scalars.endIndex, scalars[next] == "\r",
                              scalars.index(after: next) < scalars.endIndex,
                              scalars[scalars.index(after: next)] == "\n" {
                        next = scalars.index(next, offsetBy: 2)
                    }
                }
                start = next
                i = next
            } else {
                i = scalars.index(after: i)
            }
        }
        if start < scalars.endIndex { result.append(Substring(scalars[start...])) }
        return result
    }

    /// `s/\s\;\s.+$//`: a `;` between blanks followed by something starts a comment.
    private static func removingInlineComment(_ line: Substring) -> Substring {
        let chars = Array(line)
        var i = 0
        while i + 3 < chars.count {
            if isBlank(chars[i]), chars[i + 1] == ";", isBlank(chars[i + 2]) {
                return Substring(String(chars[..<i]))
            }
            i += 1
        }
        return line
    }

    private static func isBlank(_ c: Character) -> Bool { c == " " || c == "\t" || c == "\u{0B}" || c == "\u{0C}" }

    private static func trimmed(_ s: Substring) -> Substring {
        var s = s.drop(while: isBlank)
        while let last = s.last, isBlank(last) { s = s.dropLast() }
        return s
    }
}
