import IMAPClient
import IMAPCore
import SyncEngine

/// What the endpoint remembers about the selected mailbox between the engine's calls.
struct EndpointState: Sendable {
    struct Selected: Sendable {
        var name: MailboxName
        /// Changes at or above it are new messages, not updates (the committed UIDNEXT, or the
        /// UIDNEXT at SELECT when there was no resync point).
        var updateBound: UInt32
        /// Highest UID + 1 we learnt from our own APPENDUIDs (SELECT's UIDNEXT does not move).
        var appendedUIDNext: UInt32 = 0
        /// Flags we stored ourselves and have not seen echoed yet: a pushed FETCH with exactly these
        /// flags is ours (InterIMAP's `push_flag_updates`), not another writer's change.
        var ownStores: [(uids: UIDSet, flags: FlagList)] = []
        /// UIDs our own UID EXPUNGE / MOVE removed: their VANISHED also reaches the event stream.
        var ownExpunges: UIDSet?
        /// UIDs a conditional store reported MODIFIED: re-read by the next `pendingChanges()`.
        var modified: UIDSet?
        /// Set when the fallback mode emulates modseqs for this mailbox.
        var emulated: EmulatedMailbox?
        /// The last `pendingChanges()`'s NOOP and `UID SEARCH RETURN (MAX COUNT) ALL`, with the
        /// session's ``IMAPClient/IMAPSession/submissionCount`` after them: while it has not
        /// moved, `snapshot()` needs no round trip of its own.
        var probe: (submissions: Int, search: SearchResult)?
    }

    var selected: Selected?
    /// A listing sent before the engine asked for it (``IMAPMailboxEndpoint/startListing(_:)``).
    var startedListing: (request: MailboxListRequest, task: Task<MailboxListing, any Error>)?
    /// The names of the last listing (fallback mode: a snapshot under a name no longer listed
    /// may follow its mailbox's RENAME).
    var listed: Set<MailboxName> = []
}

/// A mailbox whose modseqs the fallback mode emulates (``FlagSnapshotDiff``): its snapshot
/// record (the counter is its HIGHESTMODSEQ), the flags last seen per UID.
struct EmulatedMailbox: Sendable {
    var record: FlagSnapshotMailbox
    var seen: [UID: FlagSnapshotEntry]
    /// UIDs at or above it are new to the engine: the flags fetched for them (what it copies)
    /// become their snapshot, with modseq 0 (a first sighting is no change).
    var newFrom: UInt32
}

extension Optional where Wrapped == UIDSet {
    /// Union with an optional set (nil is empty).
    func adding(_ other: UIDSet?) -> UIDSet? {
        guard let other else { return self }
        return self.map { $0.union(other) } ?? other
    }
}
