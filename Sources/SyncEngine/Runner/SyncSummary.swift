/// Counts kept per side: `local` is what was done *to* the local account, `remote` to the remote.
public struct SideCounts: Codable, Hashable, Sendable {
    public var local = 0
    public var remote = 0

    public init(local: Int = 0, remote: Int = 0) {
        self.local = local
        self.remote = remote
    }

    public subscript(side: Side) -> Int {
        get { side == .local ? local : remote }
        set { if side == .local { local = newValue } else { remote = newValue } }
    }

    public var total: Int { local + remote }
}

/// What one run did to one mailbox (`--json` prints these; the terminal gets one line each).
public struct SyncSummary: Codable, Hashable, Sendable {
    public enum Outcome: String, Codable, Hashable, Sendable {
        /// Counters unchanged since the last commit: not selected at all.
        case clean
        case synced
        /// Stopped with ``error``; the other mailboxes went on.
        case failed
    }

    /// The name for people (`a/b`, decoded).
    public var mailbox: String
    public var outcome: Outcome = .synced
    /// Messages appended to each side (copied from the other).
    public var copied = SideCounts()
    /// Messages whose flags were stored on each side.
    public var flagsUpdated = SideCounts()
    /// Messages expunged on each side (propagated deletions).
    public var expunged = SideCounts()
    /// Messages moved on each side to replay a move seen on the other (instead of copy + expunge).
    public var moved = SideCounts()
    /// Pairs re-matched by content after a UIDVALIDITY change.
    public var rematched = 0
    /// Flag conflicts resolved to the union on both sides.
    public var conflicts = 0
    /// Created on these sides during this run.
    public var created: [Side] = []
    public var warnings: [String] = []
    /// Message bytes streamed from one side to the other.
    public var bytes = 0
    public var error: String?

    public init(mailbox: String) { self.mailbox = mailbox }

    /// One line, as interimap would say it, for the terminal.
    public var line: String {
        switch outcome {
        case .clean: return "\(mailbox): unchanged"
        case .failed: return "\(mailbox): FAILED: \(error ?? "unknown error")"
        case .synced:
            var parts: [String] = []
            func add(_ what: String, _ counts: SideCounts) {
                if counts.total > 0 { parts.append("\(what) \(counts.remote)→remote \(counts.local)→local") }
            }
            add("copied", copied)
            add("flags", flagsUpdated)
            add("expunged", expunged)
            add("moved", moved)
            if rematched > 0 { parts.append("re-matched \(rematched)") }
            if conflicts > 0 { parts.append("\(conflicts) conflict(s)") }
            if !created.isEmpty { parts.append("created on \(created.map(\.rawValue).joined(separator: ", "))") }
            if bytes > 0 { parts.append("\(bytes) bytes") }
            if !warnings.isEmpty { parts.append("\(warnings.count) warning(s)") }
            return "\(mailbox): " + (parts.isEmpty ? "in sync" : parts.joined(separator: ", "))
        }
    }
}

extension Side: Codable {}

/// A whole run: one summary per mailbox, in the order they were handled.
public struct SyncReport: Codable, Hashable, Sendable {
    public var mailboxes: [SyncSummary] = []
    /// Run-level warnings (e.g. a mailbox deleted on one side and left alone).
    public var warnings: [String] = []
    public var seconds: Double = 0

    public init() {}

    public var failed: [SyncSummary] { mailboxes.filter { $0.outcome == .failed } }
}
