import NIOCore

/// A client command (RFC 3501 §6, RFC 9051 §6 and extensions), encoded by ``CommandEncoder``.
///
/// `description` never shows the LOGIN password or an AUTHENTICATE initial response.
public enum Command: Hashable, Sendable, CustomStringConvertible {
    case capability
    case noop
    case logout
    case startTLS
    /// Each is sent as an atom, a quoted string or a literal, as its bytes require.
    case login(username: String, password: String)
    /// RFC 4959 SASL-IR when `initialResponse` is set: sent base64-encoded, `=` when empty.
    case authenticate(mechanism: String, initialResponse: [UInt8]?)
    /// RFC 5161.
    case enable([Capability])
    /// RFC 2971: nil or empty sends `ID NIL`; keys are sent sorted.
    case id([String: String]?)
    case select(MailboxName, SelectParameters = .init())
    case examine(MailboxName, SelectParameters = .init())
    case create(MailboxName)
    case delete(MailboxName)
    case rename(from: MailboxName, to: MailboxName)
    case subscribe(MailboxName)
    case unsubscribe(MailboxName)
    /// RFC 3501 LIST, or RFC 5258 LIST-EXTENDED when there are several patterns or any option.
    /// Patterns (`*`, `%`, names) are encoded to modified UTF-7.
    case list(reference: MailboxName, patterns: [String], selectOptions: [ListSelectOption] = [],
              returnOptions: [ListReturnOption] = [])
    case lsub(reference: MailboxName, pattern: String)
    case status(MailboxName, [StatusAttribute])
    /// APPEND with one message, MULTIAPPEND (RFC 3502) with several.
    case append(MailboxName, [AppendMessage])
    /// `FETCH set (items) [(CHANGEDSINCE m)]`.
    case fetch(SequenceSet, [FetchItem], changedSince: ModSequence? = nil)
    /// `UID FETCH set (items) [(CHANGEDSINCE m [VANISHED])]` (RFC 7162).
    case uidFetch(UIDSet, [FetchItem], changedSince: ModSequence? = nil, vanished: Bool = false)
    /// `STORE set [(UNCHANGEDSINCE m)] FLAGS…`.
    case store(SequenceSet, StoreFlags, unchangedSince: ModSequence? = nil)
    case uidStore(UIDSet, StoreFlags, unchangedSince: ModSequence? = nil)
    /// `SEARCH [RETURN (…)] [CHARSET UTF-8] criteria`. `returning` non-nil adds the RFC 4731
    /// RETURN option (`[]` sends `RETURN ()`, meaning ALL). A string literal is a raw criterion.
    case search(criteria: SearchKey, returning: [SearchReturnOption]? = nil)
    case uidSearch(criteria: SearchKey, returning: [SearchReturnOption]? = nil)
    case copy(SequenceSet, to: MailboxName)
    /// RFC 4315 UIDPLUS answers with `[COPYUID …]`.
    case uidCopy(UIDSet, to: MailboxName)
    /// RFC 6851.
    case move(SequenceSet, to: MailboxName)
    /// RFC 6851: `[COPYUID …]` comes in an untagged OK before the EXPUNGEs / VANISHED.
    case uidMove(UIDSet, to: MailboxName)
    /// RFC 2342.
    case namespace
    /// RFC 5465 `NOTIFY SET …`.
    case notify(NotifyParameters)
    /// RFC 5465 `NOTIFY NONE`.
    case notifyNone
    /// RFC 4315.
    case uidExpunge(UIDSet)
    case expunge
    case close
    /// RFC 3691.
    case unselect
    /// RFC 2177: end it with ``CommandEncoder/idleDone()``.
    case idle
    /// RFC 4978 `COMPRESS DEFLATE`.
    case compressDeflate

    public var description: String {
        switch self {
        case .login(let username, _): return "LOGIN \(username) <redacted>"
        case .authenticate(let mechanism, let initial): return "AUTHENTICATE \(mechanism)\(initial == nil ? "" : " <redacted>")"
        case .append(let mailbox, let messages): return "APPEND \(mailbox) (\(messages.count) messages)"
        default:
            let encoded = CommandEncoder(literalPlus: true).encode(self, tag: "")
            var text = String(decoding: encoded.parts.first?.readableBytesView ?? ByteBuffer().readableBytesView, as: UTF8.self)
            text = text.trimmingPrefix(" ").trimmingSuffix("\r\n")
            return text
        }
    }
}

extension String {
    fileprivate func trimmingPrefix(_ p: String) -> String { hasPrefix(p) ? String(dropFirst(p.count)) : self }
    fileprivate func trimmingSuffix(_ s: String) -> String { hasSuffix(s) ? String(dropLast(s.count)) : self }
}
