import Foundation
import IMAPCore

extension IMAPSession {
    /// EXAMINE: opens `mailbox` read-only (fetching never sets \Seen).
    public func examine(_ mailbox: MailboxName, qresync: QResyncParameters? = nil) -> Pending<MailboxSelection> {
        open(mailbox, readOnly: true, qresync: qresync)
    }

    /// SELECT: opens `mailbox` read-write, with CONDSTORE when the server offers it and the
    /// QRESYNC parameters when QRESYNC is enabled.
    public func select(_ mailbox: MailboxName, qresync: QResyncParameters? = nil) -> Pending<MailboxSelection> {
        open(mailbox, readOnly: false, qresync: qresync)
    }

    private func open(_ mailbox: MailboxName, readOnly: Bool, qresync: QResyncParameters?) -> Pending<MailboxSelection> {
        let useQResync = enabled.contains(.qresync) ? qresync : nil
        let parameters = SelectParameters(condstore: configuration.enableQResync && hasCapability(.condstore),
                                          qresync: useQResync)
        let command: Command = readOnly ? .examine(mailbox, parameters) : .select(mailbox, parameters)
        let name = "\(readOnly ? "EXAMINE" : "SELECT") \(mailbox)"
        return submit(command, role: .select(mailbox, readOnly: readOnly)) { outcome in
            _ = try outcome.checked(name)
            var selection = MailboxSelection(name: mailbox)
            selection.readOnly = readOnly
            for response in outcome.data {
                switch response {
                case .exists(let n): selection.exists = Int(n)
                case .flags(let flags): selection.flags = flags
                case .vanished(let uids, earlier: true): selection.vanished.append(uids)
                case .condition(_, let code?, _): selection.apply(code)
                default: break
                }
            }
            selection.changed = outcome.messages.compactMap(FlagUpdate.init)
            selection.eventsDelivered = outcome.eventsDelivered
            if let code = outcome.response.code { selection.apply(code) }
            return selection
        }
    }

    /// Leaves the selected mailbox without expunging anything: UNSELECT (RFC 3691) when offered;
    /// otherwise CLOSE only for a read-only mailbox (CLOSE expunges \Deleted mail when read-write),
    /// and for a read-write one an EXAMINE of a name that cannot exist (its NO deselects, RFC 3501
    /// §6.3.1), as RFC 3501 clients do.
    public func unselect() -> Pending<Void> {
        guard let selected else { return Pending {} }
        if hasCapability(.unselect) { return submit(.unselect, role: .deselect, name: "UNSELECT") }
        if selected.readOnly { return submit(.close, role: .deselect, name: "CLOSE") }
        let nowhere = MailboxName(raw: Array("imapworker-deselect-\(UUID().uuidString)".utf8))
        return submit(.examine(nowhere), role: .select(nowhere, readOnly: true)) { outcome in
            guard outcome.response.state == .no else {
                throw IMAPClientError.protocolError("EXAMINE of a mailbox that should not exist answered \(outcome.response.state.rawValue)")
            }
        }
    }
}
