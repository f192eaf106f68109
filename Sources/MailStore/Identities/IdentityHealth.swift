import Foundation

/// An identity's check history and the rules that turn it inactive, as Caliopen's remote
/// identities do: failures are counted from the first one of an unbroken run; once that run has
/// lasted `deactivateAfter`, the identity stops being polled, with the reason. A success clears
/// the run and re-activates an identity that failures (not a person) made inactive.
public struct IdentityHealth: Sendable, Hashable {
    public static let defaultDeactivateAfter: TimeInterval = 72 * 3600
    /// The start of `inactiveReason` when failures made the identity inactive.
    public static let failingReasonPrefix = "failing since "

    public var status: RemoteIdentity.Status
    public var inactiveReason: String?
    public var lastCheck: Date?
    public var errorCount: Int
    public var firstErrorAt: Date?
    public var lastErrorAt: Date?
    public var lastError: String?

    public init(status: RemoteIdentity.Status = .active, inactiveReason: String? = nil, lastCheck: Date? = nil,
                errorCount: Int = 0, firstErrorAt: Date? = nil, lastErrorAt: Date? = nil, lastError: String? = nil) {
        self.status = status
        self.inactiveReason = inactiveReason
        self.lastCheck = lastCheck
        self.errorCount = errorCount
        self.firstErrorAt = firstErrorAt
        self.lastErrorAt = lastErrorAt
        self.lastError = lastError
    }

    /// True when failures (rather than a person) made the identity inactive.
    public var deactivatedByFailures: Bool {
        status == .inactive && (inactiveReason?.hasPrefix(Self.failingReasonPrefix) ?? false)
    }

    /// A failed check. `error` must hold no secret (the clients' error descriptions redact them).
    public mutating func recordFailure(at date: Date, error: String, deactivateAfter: TimeInterval) {
        lastCheck = date
        errorCount += 1
        let first = firstErrorAt ?? date
        firstErrorAt = first
        lastErrorAt = date
        lastError = String(error.prefix(1000))
        if status == .active, date.timeIntervalSince(first) >= deactivateAfter {
            status = .inactive
            inactiveReason = Self.failingReasonPrefix + "\(first.ISO8601Format()) (\(errorCount) failed checks): \(lastError ?? "")"
        }
    }

    public mutating func recordSuccess(at date: Date) {
        lastCheck = date
        errorCount = 0
        firstErrorAt = nil
        lastErrorAt = nil
        lastError = nil
        if deactivatedByFailures {
            status = .active
            inactiveReason = nil
        }
    }
}
