/// How many lanes a run's work pays for. Opening a lane costs about as much as synchronising
/// two mailboxes that only changed flags (a TLS handshake and LOGIN, or a `tunnel` command's
/// start, and their CPU on a small machine), so a lane is opened only for work it can take a
/// share of: measured on 2 cores, an incremental of three mailboxes (500 flag changes, 100
/// expunges) took 0.14 s on one connection and 0.165 s on three, while a first sync of 10,000
/// messages took 12.0 s on one and 8.4 s on three (docs/sync.md, "Lanes").
public enum LaneBudget {
    /// Work units per lane: below two units a lane costs more than it saves.
    static let unitsPerLane = 2
    /// New messages worth one unit: copying about 32 messages takes as long as one
    /// mailbox's round trips (SELECT, a STORE and an EXPUNGE on each side).
    static let messagesPerUnit = 32

    /// The lanes, the run's own included, for mailboxes that need work, given each one's new
    /// messages (both sides, since the last commit; a repaired mailbox counts all of them).
    public static func lanes(newMail: [Int], maxLanes: Int) -> Int {
        let units = newMail.reduce(0) { sum, new in sum + 1 + max(0, new) / messagesPerUnit }
        return max(1, min(maxLanes, newMail.count, units / unitsPerLane))
    }
}
