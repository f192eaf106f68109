import Foundation

/// Dovecot's Maildir keywords: `dovecot-keywords` maps indexes 0…25 to keywords, and a file name
/// carries the letter `a` + index of each of its message's keywords after the system letters.
struct MaildirKeywords {
    static let limit = 26
    let path: String
    private(set) var names: [Int: String] = [:]
    private var indexes: [String: Int] = [:]

    /// The mapping of an earlier export (kept, so earlier file names stay right) plus `keywords`.
    init(directory: String, adding keywords: [String]) throws(MailStoreError) {
        path = directory + "/dovecot-keywords"
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            for line in text.split(whereSeparator: \.isNewline) {
                let parts = line.split(separator: " ", maxSplits: 1)
                guard parts.count == 2, let index = Int(parts[0]), (0..<Self.limit).contains(index) else { continue }
                names[index] = String(parts[1])
                indexes[String(parts[1]).lowercased()] = index
            }
        }
        // Sorted: the same mailbox always gets the same letters.
        for keyword in keywords.sorted() where !keyword.hasPrefix("\\") && indexes[keyword.lowercased()] == nil {
            guard let free = (0..<Self.limit).first(where: { names[$0] == nil }) else { break }
            names[free] = keyword
            indexes[keyword.lowercased()] = free
        }
    }

    /// The keyword letters of `flags`, in ASCII order.
    func letters(for flags: [String]) -> String {
        let letters = flags.compactMap { flag -> Character? in
            guard let index = indexes[flag.lowercased()] else { return nil }
            return Character(Unicode.Scalar(UInt8(0x61 + index)))
        }
        return String(letters.sorted())
    }

    func save() throws(MailStoreError) {
        guard !names.isEmpty else { return }
        let text = names.keys.sorted().compactMap { index in names[index].map { "\(index) \($0)\n" } }.joined()
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw .io("cannot write \(path): \(error.localizedDescription)")
        }
    }
}
