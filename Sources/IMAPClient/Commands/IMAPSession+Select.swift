import IMAPCore

extension IMAPSession {
    /// EXAMINE: opens `mailbox` read-only (fetching never sets \Seen).
    public func examine(_ mailbox: String, qresync: QResyncParameters? = nil) async throws -> MailboxSelection {
        try await open(mailbox, readOnly: true, qresync: qresync)
    }

    /// SELECT: opens `mailbox` read-write, with CONDSTORE (and QRESYNC parameters) when enabled.
    public func select(_ mailbox: String, qresync: QResyncParameters? = nil) async throws -> MailboxSelection {
        try await open(mailbox, readOnly: false, qresync: qresync)
    }

    private func open(_ mailbox: String, readOnly: Bool, qresync: QResyncParameters?) async throws -> MailboxSelection {
        var selection = MailboxSelection(name: mailbox)
        var assembler = FetchAssembler()
        let name = MailboxName(mailbox)
        let condstore = enabled.contains("CONDSTORE") || enabled.contains("QRESYNC")
        let parameters = SelectParameters(condstore: condstore, qresync: enabled.contains("QRESYNC") ? qresync : nil)
        let command: Command = readOnly ? .examine(name, parameters) : .select(name, parameters)
        selectedMailbox = nil
        let response = try await run(command, name: readOnly ? "EXAMINE \(mailbox)" : "SELECT \(mailbox)") { event in
            switch event {
            case .untagged(.exists(let n)): selection.exists = Int(n)
            case .untagged(.flags(let flags)): selection.flags = flags
            case .untagged(.vanished(let uids, earlier: true)): selection.vanished.append(uids)
            case .untagged(.condition(_, let code?, _)): selection.apply(code)
            case .fetch(let fetch):
                if let message = assembler.consume(fetch), let uid = message.uid {
                    selection.changed.append(FlagUpdate(uid: uid, flags: message.flags, modSeq: message.modSeq))
                }
            default: break
            }
        }
        if let code = response.code { selection.apply(code) }
        selectedMailbox = mailbox
        return selection
    }

    /// UNSELECT (or CLOSE when UNSELECT is not offered: it would expunge, so only for read-only).
    public func unselect() async throws {
        guard selectedMailbox != nil else { return }
        try await run(hasCapability("UNSELECT") ? .unselect : .close, name: "UNSELECT")
        selectedMailbox = nil
    }
}

extension MailboxSelection {
    mutating func apply(_ code: ResponseCode) {
        switch code {
        case .uidValidity(let v): uidValidity = v.rawValue
        case .uidNext(let v): uidNext = v
        case .highestModSeq(let v): highestModSeq = v.rawValue
        case .noModSeq: noModSeq = true
        case .permanentFlags(let flags): permanentFlags = flags
        case .readOnly: readOnly = true
        case .readWrite: readOnly = false
        default: break
        }
    }
}
