import IMAPCore

/// A mailbox as LIST reports it, with its STATUS when asked for.
public struct ListedMailbox: Sendable, Hashable {
    public var item: ListItem
    public var status: MailboxStatus?

    /// The name exactly as the server sent it: select it with this value, byte for byte.
    public var name: MailboxName { item.mailbox }
    public var attributes: [MailboxAttribute] { item.attributes }
}

/// What LIST should return besides the names (RFC 5258 §3.2).
public struct ListReturn: Sendable, Hashable {
    /// STATUS items: in the same round trip with LIST-STATUS, else one STATUS per mailbox.
    public var status: [StatusAttribute]
    /// RFC 6154 attributes (\Sent, \Trash…), when SPECIAL-USE is offered.
    public var specialUse: Bool
    /// \HasChildren / \HasNoChildren, when LIST-EXTENDED (or CHILDREN) is offered.
    public var children: Bool

    public init(status: [StatusAttribute] = [], specialUse: Bool = false, children: Bool = false) {
        self.status = status
        self.specialUse = specialUse
        self.children = children
    }
}

extension IMAPSession {
    /// LIST "" pattern, with RETURN options where the server supports them.
    public func list(pattern: String = "*", subscribedOnly: Bool = false, returning: ListReturn = .init()) -> Pending<[ListedMailbox]> {
        let extended = hasCapability(.listExtended)
        let useListStatus = !returning.status.isEmpty && hasCapability(.listStatus)
        var options: [ListReturnOption] = []
        if useListStatus { options.append(.status(returning.status)) }
        if returning.specialUse, hasCapability(.specialUse), extended { options.append(.specialUse) }
        if returning.children, extended { options.append(.children) }
        let command: Command = !subscribedOnly || extended
            ? .list(reference: MailboxName(""), patterns: [pattern], selectOptions: subscribedOnly ? [.subscribed] : [],
                    returnOptions: options)
            : .lsub(reference: MailboxName(""), pattern: pattern)
        let listing = submit(command, role: .list) { outcome in
            _ = try outcome.checked("LIST")
            var items: [ListItem] = []
            var statuses: [MailboxName: MailboxStatus] = [:]
            for response in outcome.data {
                switch response {
                case .list(let item), .lsub(let item): items.append(item)
                case .status(let name, let status): statuses[name] = status
                default: break
                }
            }
            return items.map { ListedMailbox(item: $0, status: statuses[$0.mailbox]) }
        }
        guard !returning.status.isEmpty, !useListStatus else { return listing }
        return Pending { [self] in
            var listed = try await listing.value
            let selectable = listed.indices.filter { !listed[$0].item.attributes.contains(.noSelect) }
            // All STATUS commands pipelined at once.
            let pending = selectable.map { status(listed[$0].name, returning.status) }
            for (index, status) in zip(selectable, pending) { listed[index].status = try await status.value }
            return listed
        }
    }
}

extension IMAPSession {
    /// `LIST (select-options) reference (patterns) RETURN (return-options)` (RFC 5258, with
    /// RFC 5819 STATUS): every pattern and option as given, the answers collected as sent (LIST
    /// items with their STATUS). Without LIST-EXTENDED a typed error, nothing sent; patterns are
    /// encoded to modified UTF-7.
    public func listExtended(reference: MailboxName, patterns: [String], selectOptions: [ListSelectOption] = [],
                             returnOptions: [ListReturnOption] = []) -> Pending<[ListedMailbox]> {
        guard hasCapability(.listExtended) else {
            return .failed(.missingCapability(command: "LIST (extended)", capability: "LIST-EXTENDED"))
        }
        if returnOptions.contains(where: { if case .status = $0 { true } else { false } }), !hasCapability(.listStatus) {
            return .failed(.missingCapability(command: "LIST … RETURN (STATUS …)", capability: "LIST-STATUS"))
        }
        let command = Command.list(reference: reference, patterns: patterns, selectOptions: selectOptions,
                                   returnOptions: returnOptions)
        return submit(command, role: .list) { outcome in
            _ = try outcome.checked("LIST")
            var items: [ListItem] = []
            var statuses: [MailboxName: MailboxStatus] = [:]
            for response in outcome.data {
                switch response {
                case .list(let item): items.append(item)
                case .status(let name, let status): statuses[name] = status
                default: break
                }
            }
            return items.map { ListedMailbox(item: $0, status: statuses[$0.mailbox]) }
        }
    }
}
