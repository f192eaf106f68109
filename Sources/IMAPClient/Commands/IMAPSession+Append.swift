import IMAPCore

/// RFC 4315 APPENDUID: the UIDs the appended messages got, as the ranges the server sent.
public struct AppendResult: Sendable, Hashable {
    public var uidValidity: UIDValidity
    public var uids: UIDSet
}

extension IMAPSession {
    /// APPEND, or one MULTIAPPEND command for several messages when the server offers it (else
    /// one pipelined APPEND each). Bodies go out as LITERAL+ where advertised, else as
    /// synchronising literals. Returns APPENDUID when the server reports it for every message.
    public func append(_ messages: [AppendMessage], to mailbox: MailboxName) -> Pending<AppendResult?> {
        guard !messages.isEmpty else { return Pending { nil } }
        let batches = messages.count == 1 || hasCapability(.multiappend) ? [messages] : messages.map { [$0] }
        let pending = batches.map { batch in
            submit(.append(mailbox, batch), role: .append) { outcome in
                try outcome.checked("APPEND \(mailbox)").response.code
            }
        }
        return Pending {
            var validity: UIDValidity?
            var ranges: [ClosedRange<UID>] = []
            var complete = true
            for command in pending {
                if case .appendUID(let v, let uids)? = try await command.value {
                    validity = v
                    ranges += uids.ranges
                } else {
                    complete = false
                }
            }
            guard complete, let validity, let uids = UIDSet(ranges: ranges) else { return nil }
            return AppendResult(uidValidity: validity, uids: uids)
        }
    }
}
