import MailStore

/// Progress of a fetch, for terminals and events.
public struct FetchProgress: Sendable {
    public var mailbox: String
    public var messagesTotal: Int
    public var bytesTotal: Int
    public var messagesDone = 0
    public var bytesDone = 0
    public var finished = false
    let started: ContinuousClock.Instant
    private var lastReport: ContinuousClock.Instant

    init(mailbox: String, messagesTotal: Int, bytesTotal: Int, started: ContinuousClock.Instant) {
        self.mailbox = mailbox
        self.messagesTotal = messagesTotal
        self.bytesTotal = bytesTotal
        self.started = started
        self.lastReport = started
    }

    mutating func record(bytes: Int) {
        messagesDone += 1
        bytesDone = bytesDone.addingClamped(max(0, bytes))  // sizes come from the server
    }

    mutating func finish() { finished = true }

    /// At most four reports a second.
    mutating func shouldReport() -> Bool {
        let now = ContinuousClock.now
        guard now - lastReport >= .milliseconds(250) else { return false }
        lastReport = now
        return true
    }

    public var elapsedSeconds: Double { (ContinuousClock.now - started).seconds }

    /// Bytes per second since the start.
    public var rate: Double { elapsedSeconds > 0 ? Double(bytesDone) / elapsedSeconds : 0 }

    /// Seconds left at the current rate, if it can be estimated.
    public var etaSeconds: Double? {
        guard rate > 0, bytesTotal >= bytesDone else { return nil }
        return Double(bytesTotal - bytesDone) / rate
    }
}
