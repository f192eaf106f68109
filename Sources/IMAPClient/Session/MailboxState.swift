import IMAPCore

/// The selected mailbox as the unsolicited data describes it, and the sequence number → UID map
/// that turns an EXPUNGE's sequence number into a UID.
///
/// The map learns UIDs from every FETCH response carrying a UID and from the session's own
/// `UID SEARCH ALL` after SELECT (only needed without QRESYNC, whose VANISHED names UIDs);
/// 0 stands for "not known".
struct MailboxState {
    /// A hostile EXISTS must not make the map allocate gigabytes: beyond this, UIDs stay unknown.
    static let maxMappedMessages = 10_000_000

    var selected: SelectedMailbox
    private var uids: [UInt32] = []

    init(name: MailboxName, readOnly: Bool) {
        selected = SelectedMailbox(name: name, readOnly: readOnly)
    }

    func uid(atSequence sequence: UInt32) -> UID? {
        guard sequence >= 1, Int(sequence) <= uids.count else { return nil }
        return UID(rawValue: uids[Int(sequence) - 1])
    }

    /// Entries of the map (bounded by EXISTS and ``maxMappedMessages``).
    var mappedCount: Int { uids.count }

    /// Whether every message's UID is known.
    var mapIsComplete: Bool { uids.count == Int(selected.exists) && !uids.contains(0) }

    mutating func exists(_ count: UInt32) {
        selected.exists = count
        // A server may announce a huge EXISTS: the map grows only to what it can learn, lazily.
        if Int(count) < uids.count { uids.removeLast(uids.count - Int(count)) }
    }

    mutating func learn(sequence: UInt32, uid: UID) {
        guard sequence >= 1, sequence <= selected.exists, sequence <= Self.maxMappedMessages else { return }
        let index = Int(sequence) - 1
        if index >= uids.count {
            // Bounded by EXISTS, which the server confirmed.
            uids.append(contentsOf: repeatElement(0, count: index - uids.count + 1))
        }
        uids[index] = uid.rawValue
    }

    /// Learns the UIDs of a `UID SEARCH ALL` (ascending UIDs are ascending sequence numbers).
    mutating func learnAll(_ all: UIDSet) {
        var sequence: UInt32 = 1
        for uid in all {
            guard sequence <= selected.exists, sequence <= Self.maxMappedMessages else { break }
            learn(sequence: sequence, uid: uid)
            sequence += 1
        }
    }

    /// EXPUNGE n: returns the UID that went away, when known.
    mutating func expunge(sequence: UInt32) -> UID? {
        let uid = uid(atSequence: sequence)
        if sequence >= 1, Int(sequence) <= uids.count { uids.remove(at: Int(sequence) - 1) }
        if selected.exists > 0 { selected.exists -= 1 }
        return uid
    }

    /// VANISHED (not EARLIER): the messages are gone; the set is tested, never expanded.
    mutating func vanish(_ set: UIDSet) {
        let before = uids.count
        uids.removeAll { $0 != 0 && set.contains(UID(validatedRaw: $0)) }
        let removed = UInt32(before - uids.count)
        // Unknown positions cannot be matched: EXISTS follows the count of known removals.
        selected.exists -= min(selected.exists, removed)
    }

    mutating func apply(_ code: ResponseCode) -> MailboxEvent? {
        switch code {
        case .uidValidity(let v):
            let changed = selected.uidValidity != nil && selected.uidValidity != v
            selected.uidValidity = v
            if changed {
                uids = []
                return .uidValidityChanged(v)
            }
        case .uidNext(let v): selected.uidNext = UID(rawValue: v)
        case .highestModSeq(let v): selected.highestModSeq = v
        case .readOnly: selected.readOnly = true
        case .readWrite: selected.readOnly = false
        default: break
        }
        return nil
    }

    mutating func observe(modSeq: ModSequence) {
        if modSeq > selected.highestModSeq ?? .zero { selected.highestModSeq = modSeq }
    }
}

extension UID {
    /// For values already known to be non-zero.
    init(validatedRaw value: UInt32) {
        self = UID(rawValue: value) ?? .min
    }
}
