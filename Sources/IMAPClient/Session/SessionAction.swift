import IMAPCore
import NIOCore

/// What the channel handler must do after an event, in order.
enum SessionAction: Equatable {
    /// Wire-trace lines of the write that follows (only when the session traces).
    case trace([String])
    case write([ByteBuffer])
    /// The greeting arrived: true for PREAUTH.
    case greeted(preauthenticated: Bool)
    /// Untagged data that belongs to the command `tag`.
    case deliver(tag: String, UntaggedResponse)
    /// A piece of a FETCH response that belongs to the command `tag`.
    case fetch(tag: String, FetchPart)
    /// Data that belongs to no command: the mailbox event stream.
    case unsolicited(MailboxEvent)
    /// An unsolicited event received while IDLE `tag` ran (it also went to the event stream).
    case idleEvent(tag: String, MailboxEvent)
    /// A streamed APPEND may send its current message's bytes now.
    case appendReady(tag: String)
    /// The server accepted IDLE (`+ idling`).
    case idleStarted(tag: String)
    /// The tagged OK of STARTTLS / COMPRESS: the stream must change now, before anything else is
    /// read, and no byte may remain unparsed.
    case switchStream(StreamChange, tag: String)
    case complete(tag: String, TaggedResponse)
    /// The command `tag` cannot run (the session is closed).
    case fail(tag: String, IMAPClientError)
    /// A SASL mechanism's explanation of a failure (from the server's challenges), before `complete`.
    case authenticationDetail(tag: String, String)
    /// Capabilities, enabled extensions or the selection changed.
    case sessionChanged(SessionSnapshot)
    /// Fail every command and close the connection.
    case close(IMAPClientError)
}

enum StreamChange: Sendable, Equatable {
    case tls
    case compression
}
