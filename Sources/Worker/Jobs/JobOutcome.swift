/// What a job ended with, before it is turned into final events.
public struct JobOutcome: Sendable {
    public var result: Result<JobResult, JobFailure>
    public var attempts: Int
    /// Counts of the last attempt, also when it failed part-way.
    public var stats: JobStats

    public init(result: Result<JobResult, JobFailure>, attempts: Int, stats: JobStats) {
        self.result = result
        self.attempts = attempts
        self.stats = stats
    }
}

public struct JobResult: Sendable, Equatable {
    public var stats = JobStats()
    public var createdIdentityID: String?

    public init(stats: JobStats = JobStats(), createdIdentityID: String? = nil) {
        self.stats = stats
        self.createdIdentityID = createdIdentityID
    }
}
