import COpenSSL

/// A TLS protocol version, for the minimum/maximum bounds of a `TLSConfiguration`.
public enum TLSVersion: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case v1 = "TLSv1"
    case v1_1 = "TLSv1.1"
    case v1_2 = "TLSv1.2"
    case v1_3 = "TLSv1.3"

    /// Parses the spellings found in configuration files: "TLSv1.2", "tlsv1.2", "TLS1.2", "1.2",
    /// "TLSv1_2" (and "TLSv1.0"/"1.0" for TLS 1.0). Returns nil for anything else.
    public init?(string: String) {
        var s = Substring(String(string.lowercased().map { $0 == "_" ? "." : $0 }))
        if s.hasPrefix("tlsv") { s = s.dropFirst(4) } else if s.hasPrefix("tls") { s = s.dropFirst(3) }
        switch s {
        case "1", "1.0": self = .v1
        case "1.1": self = .v1_1
        case "1.2": self = .v1_2
        case "1.3": self = .v1_3
        default: return nil
        }
    }

    public var description: String { rawValue }

    /// The OpenSSL protocol version constant (`TLS1_2_VERSION`, …).
    var openSSLValue: Int32 {
        switch self {
        case .v1: TLS1_VERSION
        case .v1_1: TLS1_1_VERSION
        case .v1_2: TLS1_2_VERSION
        case .v1_3: TLS1_3_VERSION
        }
    }
}
