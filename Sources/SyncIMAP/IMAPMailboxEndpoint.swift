import IMAPClient
import IMAPCore
import Logging
import SyncEngine
import Synchronization

/// The sync engine's ``MailboxEndpoint`` over one authenticated ``IMAPSession`` with QRESYNC
/// enabled (docs/sync.md, "MailboxEndpoint: why each method…"). Each method is one request of
/// the engine; commands are pipelined inside a method, never across methods.
///
/// The endpoint is the only user of its session while it lives: it subscribes to the session's
/// unsolicited data (``IMAPSession/mailboxEvents()``) to report other writers' changes. Create it
/// inside ``IMAPSession/withSession(_:group:logger:_:)`` (or with ``IMAPEndpointConnector``) and
/// call ``close()`` before the session ends.
public final class IMAPMailboxEndpoint: MailboxEndpoint, Sendable {
    public let session: IMAPSession
    /// The connection's event loop: the engine copies messages out of this endpoint there.
    public var streamExecutor: (any TaskExecutor)? { session.taskExecutor }
    /// Names the account in errors and logs ("remote", "local", a host).
    public let label: String
    let logger: Logger
    let state = Mutex(EndpointState())
    let events: EventCollector
    /// The fallback mode (``init(session:label:logger:fallback:)``), else nil.
    let fallback: FlagSnapshotTables?
    private let eventTask: Task<Void, Never>

    /// With `fallback`, mailboxes without modseqs (a server without CONDSTORE/QRESYNC, or a
    /// NOMODSEQ mailbox) are synchronised anyway: the endpoint emulates QRESYNC's answers from a
    /// whole `UID FETCH 1:* (FLAGS)` compared with the snapshot it keeps in those tables
    /// (docs/sync.md, "Servers without CONDSTORE/QRESYNC"). Only `syncremote` enables it.
    public init(session: IMAPSession, label: String = "", logger: Logger = Logger(label: "imapworker.sync.imap"),
                fallback: FlagSnapshotTables? = nil) {
        self.session = session
        self.label = label
        self.logger = logger
        self.fallback = fallback
        let collector = EventCollector(stream: session.mailboxEvents())
        self.events = collector
        self.eventTask = Task { await collector.run() }
    }

    /// Every unsolicited event of the session, as the endpoint saw it (EXISTS, VANISHED, FETCH,
    /// NOTIFY's STATUS / LIST…), for a watcher such as `--watch` / `--notify`: the endpoint is the
    /// session's one ``IMAPSession/mailboxEvents()`` subscriber, so watch these instead. One
    /// reader; the newest 1024 are kept when it falls behind. Ends with the session.
    public var observedEvents: AsyncStream<MailboxEvent> { events.observed }

    /// Stops reading the session's events (the session may then be used by others or closed).
    public func close() { eventTask.cancel() }

    deinit { eventTask.cancel() }

    // MARK: - Account

    public func capabilities() async throws -> EndpointCapabilities {
        try await session.enableSettled()
        if session.capabilities.isEmpty { _ = try await session.capability().value }
        let caps = session.capabilities
        var result: EndpointCapabilities = []
        // QRESYNC counts only once ENABLEd: without it SELECT reports no VANISHED.
        if caps.contains(.qresync), session.enabled.contains(.qresync) { result.insert(.qresync) }
        // The fallback mode answers `select(_:since:)` and conditional stores itself.
        if fallback != nil { result.formUnion([.qresync, .condstore]) }
        if caps.contains(.condstore) || result.contains(.qresync) { result.insert(.condstore) }
        if caps.contains(.uidplus) { result.insert(.uidplus) }
        if caps.contains(.multiappend) { result.insert(.multiappend) }
        if caps.contains(.move) { result.insert(.move) }
        if caps.contains(.listExtended), caps.contains(.listStatus) { result.insert(.listStatus) }
        return result
    }

    public func createMailbox(_ mailbox: MailboxName) async throws {
        try await session.create(mailbox).value
    }

    public func deleteMailbox(_ mailbox: MailboxName) async throws {
        if state.withLock({ $0.selected?.name == mailbox }) {
            try await session.unselect().value
            state.withLock { $0.selected = nil }
        }
        try await session.delete(mailbox).value
        try fallback?.delete(mailbox: mailbox.raw)
    }

    public func renameMailbox(_ mailbox: MailboxName, to newName: MailboxName) async throws {
        // IMAP RENAME moves the children too (RFC 3501 §6.3.5).
        try await session.rename(mailbox, to: newName).value
        try fallback?.rename(mailbox: mailbox.raw, to: newName.raw)
    }

    public func setSubscribed(_ subscribed: Bool, mailbox: MailboxName) async throws {
        try await (subscribed ? session.subscribe(mailbox) : session.unsubscribe(mailbox)).value
    }

    /// The selected mailbox's state, or `noMailboxSelected`.
    func selectedState() throws -> EndpointState.Selected {
        guard let selected = state.withLock({ $0.selected }) else { throw MailboxEndpointError.noMailboxSelected }
        return selected
    }

    func updateSelected(_ body: (inout EndpointState.Selected) -> Void) {
        state.withLock { state in
            if var selected = state.selected {
                body(&selected)
                state.selected = selected
            }
        }
    }
}
