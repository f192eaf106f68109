/// What a job ended with, before it is turned into final events.
public struct JobOutcome: Sendable {
    public var result: Result<JobResult, JobFailure>
    public var attempts: Int
    /// Counts of the last attempt, also when it failed part-way.
    public var stats: JobStats
    /// Set when this job's failure made its identity inactive: why (an `identity_deactivated` event).
    public var deactivation: String?

    public init(result: Result<JobResult, JobFailure>, attempts: Int, stats: JobStats, deactivation: String? = nil) {
        self.result = result
        self.attempts = attempts
        self.stats = stats
        self.deactivation = deactivation
    }
}

public struct JobResult: Sendable, Equatable {
    public var stats = JobStats()
    public var createdIdentityID: String?
    /// `deliver`: where the message was filed, and its UID when the server says (UIDPLUS).
    public var mailbox: String?
    public var uid: UInt32?
    public var uidValidity: UInt32?

    public init(stats: JobStats = JobStats(), createdIdentityID: String? = nil) {
        self.stats = stats
        self.createdIdentityID = createdIdentityID
    }
}
