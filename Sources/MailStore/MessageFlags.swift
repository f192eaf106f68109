/// How flags are stored: one space-separated text, normalised so that equal sets compare equal.
public enum MessageFlags {
    /// The RFC 9051 system flags in their canonical spelling.
    static let systemFlags = ["\\Answered", "\\Deleted", "\\Draft", "\\Flagged", "\\Seen"]
    private static let canonical: [String: String] = Dictionary(
        uniqueKeysWithValues: systemFlags.map { ($0.lowercased(), $0) })

    /// System flags in canonical case, keywords as given, duplicates removed (flags are
    /// case-insensitive), `\Recent` dropped (it belongs to a session, not to the message),
    /// empty or space-holding names dropped, sorted.
    public static func normalised(_ flags: [String]) -> [String] {
        var seen = Set<String>()
        var out: [String] = []
        for flag in flags {
            guard !flag.isEmpty, !flag.contains(where: { $0 == " " || $0.isNewline }) else { continue }
            let lower = flag.lowercased()
            if lower == "\\recent" { continue }
            guard seen.insert(lower).inserted else { continue }
            out.append(canonical[lower] ?? flag)
        }
        return out.sorted()
    }

    static func encode(_ flags: [String]) -> String { normalised(flags).joined(separator: " ") }

    static func decode(_ text: String) -> [String] { text.split(separator: " ").map(String.init) }

    /// The Maildir info letters (`:2,` suffix) for the flags, in ASCII order:
    /// D (\Draft), F (\Flagged), R (\Answered), S (\Seen), T (\Deleted).
    public static func maildirLetters(_ flags: [String]) -> String {
        let letters: [String: Character] = [
            "\\draft": "D", "\\flagged": "F", "\\answered": "R", "\\seen": "S", "\\deleted": "T",
        ]
        return String(Set(flags.compactMap { letters[$0.lowercased()] }).sorted())
    }
}
