import Credentials
import Foundation

/// The server's answer to a refused bearer token: a challenge holding a JSON object
/// (RFC 7628 §3.2.2; XOAUTH2 sends the same shape) that the client must acknowledge before the
/// tagged NO. Shared by ``SASLXOAuth2`` and ``SASLOAuthBearer``.
struct OAuthErrorChallenge: Sendable {
    /// What the server said, safe to show; nil until a challenge arrived.
    private(set) var detail: String?

    /// The first challenge is the error report: remember it, send `acknowledgement`. Any later
    /// challenge means the server did not take the acknowledgement: cancel.
    mutating func answer(_ challenge: [UInt8], acknowledgement: [UInt8], token: Secret) -> SASLStep {
        guard detail == nil else { return .cancel }
        detail = Self.describe(challenge, redacting: token)
        return .respond(acknowledgement)
    }

    /// Longest value kept from the server's JSON (the challenge line is bounded by the parser).
    static let maxValueLength = 200

    /// "invalid_token (status 401, scope mail)": the RFC 6750 §3.1 error code (derived from an
    /// HTTP status when that is all the server gives, as Gmail and Dovecot do for XOAUTH2),
    /// then what else the server said.
    static func describe(_ challenge: [UInt8], redacting token: Secret) -> String {
        let object: [String: Any]
        do {
            guard let decoded = try JSONSerialization.jsonObject(with: Data(challenge)) as? [String: Any] else {
                return "the server's error challenge is not a JSON object (\(challenge.count) bytes)"
            }
            object = decoded
        } catch {
            return "the server's error challenge is not JSON (\(challenge.count) bytes)"
        }
        func field(_ key: String) -> String? {
            let raw: String
            switch object[key] {
            case let text as String: raw = text
            case let number as NSNumber: raw = number.stringValue
            default: return nil
            }
            return printable(raw, redacting: token)
        }
        let status = field("status")
        var parts: [String] = []
        var error = status
        if let status, let code = Int(status) {
            error = errorCode(httpStatus: code)
            parts.append("status \(status)")
        }
        if let scope = field("scope") { parts.append("scope \(scope)") }
        if let configuration = field("openid-configuration"), !configuration.isEmpty {
            parts.append("openid-configuration \(configuration)")
        }
        let head = error ?? "the server's error challenge has no status"
        return parts.isEmpty ? head : "\(head) (\(parts.joined(separator: ", ")))"
    }

    /// RFC 6750 §3.1: the HTTP status each error code comes with.
    private static func errorCode(httpStatus: Int) -> String {
        switch httpStatus {
        case 400: "invalid_request"
        case 401: "invalid_token"
        case 403: "insufficient_scope"
        default: "error"
        }
    }

    /// The value without control characters, bounded, and never the token (a server that
    /// echoes it must not get it into our errors and logs).
    private static func printable(_ text: String, redacting token: Secret) -> String {
        var clean = String(String.UnicodeScalarView(text.unicodeScalars.filter {
            !$0.properties.generalCategory.isControlOrFormat
        }))
        if !token.value.isEmpty { clean = clean.replacingOccurrences(of: token.value, with: "<redacted>") }
        return clean.count > maxValueLength ? String(clean.prefix(maxValueLength)) + "…" : clean
    }
}

private extension Unicode.GeneralCategory {
    var isControlOrFormat: Bool { self == .control || self == .format }
}
