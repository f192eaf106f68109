import IMAPCore

/// One `* n FETCH (…)` being received. Its attributes are held (they are small) until the
/// message's owner is known: at its UID, at its first body, or at its end.
struct FetchRouting {
    enum Owner: Equatable {
        case undecided
        case command(String)
        case unsolicited
    }

    var sequence: UInt32
    var uid: UID?
    var owner = Owner.undecided
    var held: [FetchAttribute] = []
    var flags: [MessageFlag]?
    var modSeq: ModSequence?
}

/// FETCH routing: a FETCH response belongs to an in-flight FETCH/STORE only if its UID (or
/// sequence number) is in that command's set, to a SELECT … QRESYNC while it runs, and to the
/// event stream otherwise (another client's flag change pushed during our STORE is not ours).
extension SessionStateMachine {
    mutating func fetchEvent(_ part: FetchEvent) -> [SessionAction] {
        switch part {
        case .start(let sequence):
            if let select = activeSelect, case .select(let name, let readOnly) = select.role {
                beginSelection(tag: select.tag, name: name, readOnly: readOnly)
            }
            fetch = FetchRouting(sequence: sequence)
            return []
        case .attribute(let attribute):
            guard var current = fetch else { return close(.protocolError("FETCH data outside a FETCH response")) }
            switch attribute {
            case .uid(let uid):
                current.uid = uid
                mailbox?.learn(sequence: current.sequence, uid: uid)
            case .flags(let flags):
                current.flags = flags
            case .modSeq(let modSeq):
                current.modSeq = modSeq
                mailbox?.observe(modSeq: modSeq)
            default:
                break
            }
            fetch = current
            switch current.owner {
            case .undecided:
                fetch?.held.append(attribute)
                if case .uid = attribute { return decideOwner() }
                return []
            case .command(let tag):
                return [.fetch(tag: tag, .attribute(attribute))]
            case .unsolicited:
                return []
            }
        case .bodyStart(let section, let origin, let size):
            var actions = decideOwner()
            if case .command(let tag)? = fetch?.owner {
                actions.append(.fetch(tag: tag, .bodyStart(section: section, origin: origin, size: size)))
            }
            return actions
        case .bodyBytes(let bytes):
            guard case .command(let tag)? = fetch?.owner else { return [] }
            return [.fetch(tag: tag, .bodyChunk(bytes))]
        case .bodyEnd:
            guard case .command(let tag)? = fetch?.owner else { return [] }
            return [.fetch(tag: tag, .bodyEnd)]
        case .finish:
            var actions = decideOwner()
            defer { fetch = nil; updateSelectedSnapshot() }
            guard let current = fetch else { return actions }
            switch current.owner {
            case .command(let tag):
                actions.append(.fetch(tag: tag, .messageEnd))
            case .unsolicited, .undecided:
                if current.flags != nil || current.modSeq != nil {
                    let uid = current.uid ?? mailbox?.uid(atSequence: current.sequence)
                    actions += event(.flags(sequence: current.sequence, uid: uid, flags: current.flags,
                                            modSeq: current.modSeq))
                }
            }
            return actions
        }
    }

    /// Decides the current message's owner if not done yet; returns the held parts for it.
    private mutating func decideOwner() -> [SessionAction] {
        guard var current = fetch, current.owner == .undecided else { return [] }
        let owner = fetchOwner(sequence: current.sequence, uid: current.uid)
        defer { fetch = current }
        guard let owner else {
            current.owner = .unsolicited
            current.held = []
            return []
        }
        current.owner = .command(owner)
        let held = current.held
        current.held = []
        return [.fetch(tag: owner, .messageStart(sequence: current.sequence, uid: current.uid))]
            + held.map { .fetch(tag: owner, .attribute($0)) }
    }

    private func fetchOwner(sequence: UInt32, uid: UID?) -> String? {
        if let select = activeSelect { return select.tag }
        let uid = uid ?? mailbox?.uid(atSequence: sequence)
        for entry in commands where written(entry) {
            switch entry.role.fetchTarget {
            case .uids(let set)?:
                if let uid, set.contains(uid) { return entry.tag }
            case .sequences(let set)?:
                if set.contains(sequence) { return entry.tag }
            case nil:
                continue
            }
        }
        return nil
    }
}
