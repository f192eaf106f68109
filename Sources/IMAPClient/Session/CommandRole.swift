import IMAPCore

/// What a submitted command is for. It decides how the command is pipelined and which untagged
/// data belongs to it (everything else is unsolicited and goes to the mailbox event stream).
enum CommandRole: Sendable {
    /// No data of its own (NOOP, CREATE, LOGIN, SUBSCRIBE, NOTIFY…).
    case plain
    case capability
    case enable
    case select(MailboxName, readOnly: Bool)
    /// UNSELECT / CLOSE: leaves the selected state when it succeeds.
    case deselect
    case list
    /// STATUS: only the STATUS of its own mailbox (NOTIFY sends others').
    case status(MailboxName)
    /// SEARCH / UID SEARCH, with or without RETURN (ESEARCH).
    case search
    case namespace
    case id
    /// FETCH / UID FETCH: the FETCH responses for messages in `target`, and VANISHED (EARLIER).
    /// Whether they stream or are collected is the sink's business, not the role's.
    case fetch(FetchTarget)
    /// STORE / UID STORE: the FETCH responses for messages in `target`.
    case store(FetchTarget)
    /// EXPUNGE / UID EXPUNGE: the expunges it caused (they also go to the event stream).
    case expunge
    /// COPY / MOVE: COPYUID, and the expunges of a MOVE.
    case copy
    case append
    /// APPEND whose bodies the caller streams (see `SessionStateMachine+AppendStream.swift`).
    case appendStream
    case authenticate(any SASLMechanism)
    /// The LOGIN command.
    case login
    case idle(endOnEvent: Bool)
    case startTLS
    case compress
    case logout
    /// The session's own `UID SEARCH ALL` that fills the sequence → UID map.
    case uidMap

    /// How CommandPipeline must schedule it.
    var pipelineKind: CommandPipeline.Kind {
        switch self {
        case .authenticate, .idle: .exclusiveWithContinuations
        // A mailbox change must not race commands that use sequence numbers or the selection.
        case .startTLS, .compress, .logout, .select, .deselect, .login: .exclusive
        default: .ordinary
        }
    }

    var fetchTarget: FetchTarget? {
        switch self {
        case .fetch(let t), .store(let t): t
        default: nil
        }
    }
}

/// The messages a FETCH or STORE names: UIDs or sequence numbers.
enum FetchTarget: Sendable, Hashable {
    case uids(UIDSet)
    case sequences(SequenceSet)
}
