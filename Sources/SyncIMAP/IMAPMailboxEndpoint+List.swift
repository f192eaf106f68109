import IMAPClient
import IMAPCore
import SyncEngine

extension IMAPMailboxEndpoint {
    /// `LIST (opts) ref (patterns) RETURN (SUBSCRIBED STATUS (UIDVALIDITY UIDNEXT HIGHESTMODSEQ))`;
    /// without LIST-STATUS, one STATUS per selectable mailbox, all pipelined. The answer of a
    /// ``startListing(_:)`` with the same request, when there is one.
    public func listMailboxes(_ request: MailboxListRequest) async throws -> MailboxListing {
        let started = state.withLock { state -> Task<MailboxListing, any Error>? in
            defer { state.startedListing = nil }
            return state.startedListing?.request == request ? state.startedListing?.task : nil
        }
        if let started { return try await started.value }
        return try await list(request)
    }

    /// Sends the listing a run will ask first now, before the engine asks (``IMAPEndpointConnector/withEndpoints(_:firstListing:group:logger:wireTraces:_:)``
    /// calls it as soon as this side is connected, while the other side may still be connecting).
    public func startListing(_ request: MailboxListRequest) {
        let task = Task { try await self.list(request) }
        state.withLock { $0.startedListing = (request, task) }
    }

    private func list(_ request: MailboxListRequest) async throws -> MailboxListing {
        let reference = MailboxName(raw: request.reference)
        var delimiter: Character?
        var knowsDelimiter = false
        if request.patterns.contains(where: { $0.contains(0) }) {
            delimiter = try await hierarchyDelimiter(reference: reference)
            knowsDelimiter = true
        }
        let patterns = try request.patterns.isEmpty ? ["*"] : request.patterns.map { try Self.pattern($0, delimiter: delimiter) }
        // STATUS HIGHESTMODSEQ needs CONDSTORE (the fallback mode works without).
        let items: [StatusAttribute] = session.hasCapability(.condstore) || fallback == nil
            ? [.uidValidity, .uidNext, .highestModSeq] : [.uidValidity, .uidNext]
        let listStatus = session.hasCapability(.listStatus)
        var returnOptions: [ListReturnOption] = [.subscribed]
        if listStatus { returnOptions.append(.status(items)) }
        let selectOptions = request.selectOptions.map(Self.selectOption)
        var listed = try await session.listExtended(reference: reference, patterns: patterns, selectOptions: selectOptions,
                                                    returnOptions: returnOptions).value
        if !listStatus {
            let selectable = listed.indices.filter { Self.isSelectable(listed[$0].attributes) }
            let pending = selectable.map { session.status(listed[$0].name, items) }
            for (index, status) in zip(selectable, pending) { listed[index].status = try await status.value }
        }
        if !knowsDelimiter {
            // The first non-INBOX reply tells the delimiter (INBOX may be flat on a hierarchical server).
            if let item = listed.first(where: { !$0.name.isInbox }) ?? listed.first {
                delimiter = item.item.delimiter
            } else {
                delimiter = try await hierarchyDelimiter(reference: reference)
            }
        }
        let snapshots = try fallback?.mailboxes() ?? [:]
        let entries = listed.map { mailbox -> MailboxListEntry in
            let attributes = Set(mailbox.attributes)
            var status: MailboxSnapshot?
            if Self.isSelectable(mailbox.attributes), let s = mailbox.status, let validity = s.uidValidity, let next = s.uidNext {
                status = MailboxSnapshot(uidValidity: validity.rawValue, uidNext: next, highestModSeq: s.highestModSeq.value)
                // An emulated mailbox can change without any counter moving: never "clean", it
                // is compared at every run (a counter above its own, which nothing has committed).
                if fallback != nil, s.highestModSeq.value == 0 || snapshots[mailbox.name.raw] != nil {
                    status?.highestModSeq = snapshots[mailbox.name.raw].map { $0.highestModSeq + 1 } ?? .max
                }
            }
            return MailboxListEntry(name: mailbox.name, attributes: attributes,
                                    isSubscribed: attributes.contains(.subscribed), status: status)
        }
        state.withLock { $0.listed = Set(entries.map(\.name)) }
        return MailboxListing(delimiter: delimiter, mailboxes: entries)
    }

    /// `LIST ref ""`: the hierarchy delimiter (nil for a flat namespace).
    private func hierarchyDelimiter(reference: MailboxName) async throws -> Character? {
        let listed = try await session.listExtended(reference: reference, patterns: [""]).value
        return listed.first?.item.delimiter
    }

    private static func isSelectable(_ attributes: [MailboxAttribute]) -> Bool {
        !attributes.contains(.noSelect) && !attributes.contains(.nonExistent)
    }

    /// A pattern on the wire: modified UTF-7 bytes, `\0` standing for the delimiter.
    static func pattern(_ bytes: [UInt8], delimiter: Character?) throws -> String {
        var raw = bytes
        if raw.contains(0) {
            guard let delimiter, let ascii = delimiter.asciiValue else {
                throw IMAPEndpointError.invalidPattern("a list-mailbox pattern uses the delimiter, but the namespace is flat")
            }
            raw = raw.map { $0 == 0 ? ascii : $0 }
        }
        let text = String(decoding: raw, as: UTF8.self)
        // The session encodes patterns to modified UTF-7 again: decode first (exact for valid input).
        guard let decoded = try? ModifiedUTF7.decode(text) else {
            throw IMAPEndpointError.invalidPattern("list-mailbox pattern \(text) is not valid modified UTF-7")
        }
        return decoded
    }

    static func selectOption(_ text: String) -> ListSelectOption {
        switch text.uppercased() {
        case "SUBSCRIBED": .subscribed
        case "REMOTE": .remote
        case "RECURSIVEMATCH": .recursiveMatch
        case "SPECIAL-USE": .specialUse
        default: .other(text)
        }
    }
}
