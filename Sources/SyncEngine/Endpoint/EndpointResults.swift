import IMAPCore

/// UIDs assigned to appended messages (APPENDUID), in the order the messages were sent.
public struct AppendResult: Hashable, Sendable {
    public var uidValidity: UIDValidityValue
    public var assignedUIDs: [UID]

    public init(uidValidity: UIDValidityValue, assignedUIDs: [UID]) {
        self.uidValidity = uidValidity
        self.assignedUIDs = assignedUIDs
    }
}

/// A flag store: replace the flags of `uids` by `flags`, unless a message changed after
/// `unchangedSince` (RFC 7162 `UNCHANGEDSINCE`).
public struct FlagStoreRequest: Hashable, Sendable {
    public var uids: UIDSet
    public var flags: FlagList
    /// Nil for an unconditional store.
    public var unchangedSince: ModSeqValue?

    public init(uids: UIDSet, flags: FlagList, unchangedSince: ModSeqValue?) {
        self.uids = uids
        self.flags = flags
        self.unchangedSince = unchangedSince
    }
}

/// What a conditional store did not change (RFC 7162 `[MODIFIED …]`): those messages changed
/// meanwhile; their new flags come with the next ``MailboxEndpoint/pendingChanges()`` and the
/// planner decides again (see ``UnappliedFlagStores``).
public struct StoreResult: Hashable, Sendable {
    public var modified: UIDSet?

    public init(modified: UIDSet? = nil) { self.modified = modified }
}

/// COPYUID of a move: source UID → UID in the destination.
public struct MoveResult: Hashable, Sendable {
    public var destinationUIDValidity: UIDValidityValue
    public var pairs: [(source: UID, destination: UID)]

    public init(destinationUIDValidity: UIDValidityValue, pairs: [(source: UID, destination: UID)]) {
        self.destinationUIDValidity = destinationUIDValidity
        self.pairs = pairs
    }

    public static func == (lhs: MoveResult, rhs: MoveResult) -> Bool {
        lhs.destinationUIDValidity == rhs.destinationUIDValidity
            && lhs.pairs.map(\.source) == rhs.pairs.map(\.source)
            && lhs.pairs.map(\.destination) == rhs.pairs.map(\.destination)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(destinationUIDValidity)
        hasher.combine(pairs.map(\.source))
        hasher.combine(pairs.map(\.destination))
    }
}
