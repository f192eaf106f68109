import IMAPCore

/// One account as the sync engine sees it: the IMAP server on one side, the embedded store on
/// the other (or IMAP on both, as InterIMAP runs). The engine never asks which it has.
///
/// The model is IMAP's (and mbsync's driver's): account-level operations work on any mailbox;
/// message operations work on the mailbox selected last. Every method is one request the
/// engine waits for; an IMAP implementation pipelines inside a method (one `UID STORE` per
/// chunk of a set), never across methods, so the engine's order of effects is the order on the
/// wire. The one exception: ``capabilities()``, which changes nothing, is asked while the
/// run's first ``listMailboxes(_:)`` is in flight. See docs/sync.md for what each method must
/// guarantee.
public protocol MailboxEndpoint: Sendable {
    /// What the account supports; the engine checks ``EndpointCapabilities/required`` first.
    func capabilities() async throws -> EndpointCapabilities

    // MARK: Mailboxes

    /// The mailboxes matching the request, with subscription and status, and the delimiter.
    func listMailboxes(_ request: MailboxListRequest) async throws -> MailboxListing
    /// Creates the mailbox (and its missing parents), unsubscribed as IMAP's CREATE does: the
    /// engine subscribes it afterwards when it should be.
    func createMailbox(_ mailbox: MailboxName) async throws
    func deleteMailbox(_ mailbox: MailboxName) async throws
    /// Renames the mailbox and its children.
    func renameMailbox(_ mailbox: MailboxName, to newName: MailboxName) async throws
    func setSubscribed(_ subscribed: Bool, mailbox: MailboxName) async throws

    // MARK: The selected mailbox

    /// Selects the mailbox for the message operations below; with a resync point, reports what
    /// changed since it. Throws ``MailboxEndpointError/noModSequences(mailbox:)`` for NOMODSEQ.
    func select(_ mailbox: MailboxName, since point: ResyncPoint?) async throws -> SelectResult

    /// The changes that arrived since the last call (or since ``select(_:since:)``): changes
    /// made by others meanwhile, and the current flags of the UIDs a conditional store
    /// reported as MODIFIED. Changes the engine made itself are not reported, but the returned
    /// ``ChangeSet/highestModSeq`` covers them. UIDs at or above the committed UIDNEXT are
    /// left out (they are new messages).
    func pendingChanges() async throws -> ChangeSet

    /// The current counters of the selected mailbox, the engine's own appends included. Read
    /// just before listing new messages: that UIDNEXT is what is committed at the end (a
    /// message arriving after it is found by the next run).
    func snapshot() async throws -> MailboxSnapshot

    /// Flags, modseq, size and the asked-for fields of the existing messages among `uids`
    /// (absent UIDs are simply missing from the answer).
    func fetchSummaries(_ uids: UIDSet, fields: SummaryFields) async throws -> [MessageSummary]

    /// The existing messages among `uids` (`n:*` for "new since n"), bodies streamed, in UID
    /// order.
    func fetchMessages(_ uids: UIDSet) -> OutgoingMessageStream

    /// Appends a batch to the selected mailbox with the messages' flags (never `\Recent`) and
    /// internal dates, and returns the UIDs assigned, in order.
    func append(_ batch: AppendBatch) async throws -> AppendResult

    /// Replaces the flags of a set of messages (one `UID STORE … FLAGS.SILENT` per request).
    func storeFlags(_ request: FlagStoreRequest) async throws -> StoreResult
    /// A round's stores, in order, as one request: the results in the same order. An IMAP
    /// endpoint pipelines them (one round trip for the round, not one per flag list); the
    /// default sends them one after another.
    func storeFlags(_ requests: [FlagStoreRequest]) async throws -> [StoreResult]

    /// Removes the messages for good (`\Deleted` + `UID EXPUNGE` of exactly these UIDs) and
    /// returns those actually expunged (already gone ones are not).
    func expunge(_ uids: UIDSet) async throws -> UIDSet?

    /// Moves messages to another mailbox of this account, keeping flags and internal dates.
    func move(_ uids: UIDSet, to mailbox: MailboxName) async throws -> MoveResult

    /// How to cut the append batches sent *to* this endpoint, when it knows better than the
    /// capability rule (nil: MULTIAPPEND → ``AppendBatchLimits/multiappend``, else one message).
    var appendBatchLimits: AppendBatchLimits? { get }

    /// Where a task that reads this endpoint's ``fetchMessages(_:)`` streams runs best, when the
    /// endpoint has such a place (an IMAP connection's event loop: each part then resumes the
    /// reader without a thread hop). nil: the global pool. A copy out of this endpoint runs
    /// there, the other endpoint's append included: no endpoint's append may block.
    var streamExecutor: (any TaskExecutor)? { get }
}

extension MailboxEndpoint {
    public var appendBatchLimits: AppendBatchLimits? { nil }
    public var streamExecutor: (any TaskExecutor)? { nil }

    public func storeFlags(_ requests: [FlagStoreRequest]) async throws -> [StoreResult] {
        var results: [StoreResult] = []
        for request in requests { results.append(try await storeFlags(request)) }
        return results
    }
}
