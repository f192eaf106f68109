/// InterIMAP 0.5.7's validation of each option's value (the regular expressions of
/// `Net::IMAP::InterIMAP::%OPTIONS` and of `interimap`'s `read_config` call), as predicates.
enum InterIMAPValueRules {
    struct Rule: Sendable {
        let expected: String
        let accepts: @Sendable (String) -> Bool
    }

    /// `\A(\P{Control}+)\z`
    static let text = Rule(expected: "a non-empty value without control characters") { !$0.isEmpty && noControl($0) }
    /// `\A(\P{Control}*)\z`
    static let optionalText = Rule(expected: "a value without control characters") { noControl($0) }
    /// `\A(\/\P{Control}+)\z`
    static let absolutePath = Rule(expected: "an absolute path") { $0.count > 1 && $0.hasPrefix("/") && noControl($0) }
    /// `\A([\x01-\x7F]+)\z`
    static let ascii = Rule(expected: "ASCII characters") { !$0.isEmpty && $0.unicodeScalars.allSatisfy { (1...0x7F).contains($0.value) } }
    static let yesNo = Rule(expected: "YES or NO") { ["YES", "NO"].contains($0.uppercased()) }
    static let type = Rule(expected: "imap, imaps or tunnel") { ["imap", "imaps", "tunnel"].contains($0) }
    /// `$RE_ATOM_CHAR+(?: $RE_ATOM_CHAR+)*`
    static let atoms = Rule(expected: "mechanism names separated by single spaces") { words($0, allSatisfy: isAtomWord) }
    /// `!?$RE_SSL_PROTO(?: !?$RE_SSL_PROTO)*`
    static let sslProtocols = Rule(expected: "protocols such as TLSv1.2 or !TLSv1.1, separated by single spaces") {
        words($0) { word in
            let name = word.hasPrefix("!") ? String(word.dropFirst()) : word
            return ["SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"].contains(name)
        }
    }
    /// InterIMAP accepts any text, then fails at connection time on an unknown version.
    static let sslVersion = Rule(expected: "SSLv3, TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3") {
        ["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"].contains($0)
    }
    /// `(?:[A-Za-z0-9]+\$)?\p{AHex}+`, space separated.
    static let fingerprints = Rule(expected: "[ALGO$]HEXDIGEST values separated by single spaces") {
        words($0) { word in parseFingerprint(word) != nil }
    }
    /// `[\x01-\x09\x0B\x0C\x0E-\x7F]*` (TEXT-CHAR).
    static let textChars = Rule(expected: "ASCII text") { $0.unicodeScalars.allSatisfy(isTextChar) }
    static let nonEmptyTextChars = Rule(expected: "non-empty ASCII text") { !$0.isEmpty && $0.unicodeScalars.allSatisfy(isTextChar) }
    /// `[\x20\x21\x23\x24\x26\x27\x2B-\x5B\x5E-\x7A\x7C-\x7E]*`
    static let selectOptions = Rule(expected: "LIST selection options such as SUBSCRIBED") {
        $0.unicodeScalars.allSatisfy { c in
            switch c.value {
            case 0x20, 0x21, 0x23, 0x24, 0x26, 0x27, 0x2B...0x5B, 0x5E...0x7A, 0x7C...0x7E: true
            default: false
            }
        }
    }

    static func parseFingerprint(_ word: String) -> CertificateFingerprint? {
        let parts = word.split(separator: "$", maxSplits: 1, omittingEmptySubsequences: false)
        let (algorithm, digest) = parts.count == 2 ? (String(parts[0]), String(parts[1])) : ("sha256", word)
        guard !algorithm.isEmpty, algorithm.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }),
              !digest.isEmpty, digest.allSatisfy(\.isHexDigit), digest.allSatisfy(\.isASCII) else { return nil }
        return CertificateFingerprint(algorithm: algorithm, digest: digest)
    }

    static func isTextChar(_ c: Unicode.Scalar) -> Bool {
        (0x01...0x7F).contains(c.value) && c != "\r" && c != "\n"
    }

    private static func noControl(_ s: String) -> Bool {
        s.unicodeScalars.allSatisfy { $0.properties.generalCategory != .control }
    }

    /// RFC 3501 ATOM-CHAR as InterIMAP spells it.
    private static func isAtomWord(_ word: String) -> Bool {
        word.unicodeScalars.allSatisfy { c in
            switch c.value {
            case 0x21, 0x23, 0x24, 0x26, 0x27, 0x2B...0x5B, 0x5E...0x7A, 0x7C...0x7E: true
            default: false
            }
        }
    }

    /// Non-empty words separated by exactly one space, each accepted.
    private static func words(_ s: String, allSatisfy accepts: (String) -> Bool) -> Bool {
        let parts = s.split(separator: " ", omittingEmptySubsequences: false)
        return !s.isEmpty && parts.allSatisfy { !$0.isEmpty && accepts(String($0)) }
    }
}
