import IMAPCore

/// Untagged data other than FETCH: to the command that asked for it, or to the event stream.
extension SessionStateMachine {
    mutating func untagged(_ response: UntaggedResponse) -> [SessionAction] {
        let select = activeSelect
        if let select, case .select(let name, let readOnly) = select.role {
            beginSelection(tag: select.tag, name: name, readOnly: readOnly)
        }
        var actions: [SessionAction] = []
        switch response {
        case .capability(let caps):
            setCapabilities(caps)
            actions += deliver(response, toFirst: { if case .capability = $0 { true } else { false } })
        case .enabled(let caps):
            addEnabled(caps)
            actions += deliver(response, toFirst: { if case .enable = $0 { true } else { false } })
        case .condition(let condition, let code, let text):
            if condition == .bye {
                byeText = text
                return []
            }
            if case .capability(let caps)? = code { setCapabilities(caps) }
            if let code, let event = mailbox?.apply(code) { actions.append(.unsolicited(event)) }
            if let select {
                actions.append(.deliver(tag: select.tag, response))
            } else if case .copyUID? = code {
                // MOVE (RFC 6851) reports COPYUID in an untagged OK.
                actions += deliver(response, toFirst: { if case .copy = $0 { true } else { false } })
            } else if condition != .ok || code == .alert {
                actions.append(.unsolicited(.serverNotice(condition, text)))
            }
        case .flags:
            if let select { actions.append(.deliver(tag: select.tag, response)) }
        case .exists(let count):
            mailbox?.exists(count)
            if let select { actions.append(.deliver(tag: select.tag, response)) } else { actions += event(.exists(count)) }
        case .recent(let count):
            if let select { actions.append(.deliver(tag: select.tag, response)) } else { actions += event(.recent(count)) }
        case .expunge(let sequence):
            let uid = mailbox?.expunge(sequence: sequence)
            // The command gets the UID when it is known (its result is a UID set).
            actions += deliver(uid.map { .vanished(UIDSet($0), earlier: false) } ?? response, toFirst: Self.wantsExpunges)
            actions += event(.expunged(sequence: sequence, uid: uid))
        case .vanished(let uids, earlier: true):
            // VANISHED (EARLIER) answers a SELECT … QRESYNC or a UID FETCH … VANISHED.
            let owner = select ?? commands.first { written($0) && Self.wantsEarlierVanished($0.role) }
            if let owner { actions.append(.deliver(tag: owner.tag, response)) } else { actions += event(.vanished(uids, earlier: true)) }
        case .vanished(let uids, earlier: false):
            mailbox?.vanish(uids)
            actions += deliver(response, toFirst: Self.wantsExpunges)
            actions += event(.vanished(uids, earlier: false))
        case .list(let item), .lsub(let item):
            let delivered = deliver(response, toFirst: { if case .list = $0 { true } else { false } })
            actions += delivered.isEmpty ? event(.mailboxListed(item)) : delivered
        case .status(let name, let status):
            let delivered = deliver(response, toFirst: { role in
                switch role {
                case .list: true
                case .status(let wanted): wanted == name
                default: false
                }
            })
            actions += delivered.isEmpty ? event(.status(name, status)) : delivered
        case .search(let numbers, _):
            if let owner = commands.first(where: { written($0) && Self.wantsSearch($0.role) }) {
                if case .uidMap = owner.role {
                    if let set = UIDSet(uids: numbers.compactMap(UID.init(rawValue:))) { mailbox?.learnAll(set) }
                } else {
                    actions.append(.deliver(tag: owner.tag, response))
                }
            }
        case .esearch(let result):
            // ESEARCH names its command's tag; without one, the oldest search takes it.
            let owner = result.tag.flatMap { tag in commands.first { $0.tag == tag } }
                ?? commands.first { written($0) && Self.wantsSearch($0.role) }
            if let owner {
                if case .uidMap = owner.role {
                    if let all = result.allUIDs { mailbox?.learnAll(all) }
                } else {
                    actions.append(.deliver(tag: owner.tag, response))
                }
            }
        case .id:
            actions += deliver(response, toFirst: { if case .id = $0 { true } else { false } })
        case .namespace:
            actions += deliver(response, toFirst: { if case .namespace = $0 { true } else { false } })
        case .unknown:
            break
        }
        updateSelectedSnapshot()
        return actions
    }

    /// An unsolicited event; it also ends an IDLE that asked to end on the first event.
    mutating func event(_ event: MailboxEvent) -> [SessionAction] {
        var actions: [SessionAction] = [.unsolicited(event)]
        for index in commands.indices {
            guard case .idle(let endOnEvent) = commands[index].role, written(commands[index]) else { continue }
            actions.append(.idleEvent(tag: commands[index].tag, event))
            if endOnEvent, commands[index].idle == .idling {
                commands[index].idle = .doneSent
                actions += idleDone()
            }
        }
        return actions
    }

    /// Delivers to the oldest written command whose role matches; nothing when none does.
    private func deliver(_ response: UntaggedResponse, toFirst matches: (CommandRole) -> Bool) -> [SessionAction] {
        guard let owner = commands.first(where: { written($0) && matches($0.role) }) else { return [] }
        return [.deliver(tag: owner.tag, response)]
    }

    private static func wantsExpunges(_ role: CommandRole) -> Bool {
        switch role {
        case .expunge, .copy, .deselect: true
        default: false
        }
    }

    private static func wantsEarlierVanished(_ role: CommandRole) -> Bool {
        if case .fetch(.uids) = role { return true }
        return false
    }

    private static func wantsSearch(_ role: CommandRole) -> Bool {
        switch role {
        case .search, .uidMap: true
        default: false
        }
    }
}
