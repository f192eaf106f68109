import IMAPCore

/// Step 2: both sides' mailbox lists, in the stored form (`\0` for the delimiter, reference
/// removed), with their status and subscription.
struct ListedMailboxes: Sendable {
    var entries: PerSide<[StoredMailboxName: MailboxListEntry]>

    var forPlanner: PerSide<[StoredMailboxName: MailboxListPlanner.Listed]> {
        entries.map { $0.mapValues { MailboxListPlanner.Listed(isSelectable: Self.exists($0), isSubscribed: $0.isSubscribed) } }
    }

    /// Selectable and with a status: Dovecot lists a deleted parent of a remaining child with
    /// no attribute at all, and only its failing STATUS tells it does not exist.
    static func exists(_ entry: MailboxListEntry) -> Bool { entry.isSelectable && entry.status != nil }

    func status(of name: StoredMailboxName) -> PerSide<MailboxSnapshot>? {
        guard let local = entries.local[name]?.status, let remote = entries.remote[name]?.status else { return nil }
        return PerSide(local: local, remote: remote)
    }

    func exists(_ name: StoredMailboxName, on side: Side) -> Bool { entries[side][name].map(Self.exists) ?? false }
    func isListed(_ name: StoredMailboxName, on side: Side) -> Bool { entries[side][name] != nil }
}

extension SyncSession {
    /// Lists both sides at once and records each side's delimiter and reference. Explicit names
    /// use the local delimiter: when the remote one differs, the remote side is listed again
    /// with the names translated.
    mutating func listMailboxes(_ selection: SyncSelection) async throws -> ListedMailboxes {
        try record(await listings(selection), selection: selection)
    }

    /// Steps 1 and 2 at once: the listing goes out while the capabilities are confirmed (an IMAP
    /// endpoint answers them from its ENABLE, which the LIST follows on the wire: one round
    /// trip for both). A missing capability still wins over whatever the listing did.
    mutating func checkCapabilitiesAndList(_ selection: SyncSelection) async throws -> ListedMailboxes {
        let lister = self
        async let listing = lister.listings(selection)  // cancelled and awaited if this throws
        try await checkCapabilities()
        return try record(await listing, selection: selection)
    }

    /// Step 1, and step 2 from listings made earlier with the selection's first requests
    /// (explicit names with another remote delimiter are listed again, as above).
    mutating func checkCapabilities(andRecord listings: PerSide<MailboxListing>,
                                    _ selection: SyncSelection) async throws -> ListedMailboxes {
        try await checkCapabilities()
        return try record(await translated(listings, selection), selection: selection)
    }

    private func listings(_ selection: SyncSelection) async throws -> PerSide<MailboxListing> {
        let listings = try await both { side, endpoint in
            try await endpoint.listMailboxes(selection.request(for: side, localDelimiter: nil))
        }
        return try await translated(listings, selection)
    }

    /// The first listings, the remote one made again when explicit names hold the local
    /// delimiter and the remote's differs.
    private func translated(_ listings: PerSide<MailboxListing>, _ selection: SyncSelection) async throws -> PerSide<MailboxListing> {
        var listings = listings
        if !selection.explicit.isEmpty, let d = listings.local.delimiter, listings.remote.delimiter != d,
           let ascii = d.asciiValue, selection.explicit.contains(where: { $0.contains(ascii) }) {
            listings.remote = try await endpoints.remote.listMailboxes(selection.request(for: .remote, localDelimiter: d))
        }
        return listings
    }

    private mutating func record(_ listings: PerSide<MailboxListing>, selection: SyncSelection) throws -> ListedMailboxes {
        guard (listings.local.delimiter == nil) == (listings.remote.delimiter == nil) else {
            throw SyncRunError.delimiterMismatch(local: listings.local.delimiter, remote: listings.remote.delimiter)
        }
        references = selection.references
        delimiters = listings.map(\.delimiter)
        var entries = PerSide<[StoredMailboxName: MailboxListEntry]>(local: [:], remote: [:])
        for side in Side.allCases {
            for entry in listings[side].mailboxes {
                guard let name = StoredMailboxName(entry.name, delimiter: delimiters[side], reference: references[side])
                else { continue }
                entries[side][name] = entry
            }
        }
        return ListedMailboxes(entries: entries)
    }

    /// Applies the mailbox list plan: creations and subscriptions on the servers first, then
    /// the database in one transaction, so that a crash in between leaves a mailbox on both
    /// sides that the next run simply records (never one known to the database on one side
    /// only, which would stop the run).
    func apply(_ plan: MailboxListPlanner.Plan, summaries: inout [StoredMailboxName: SyncSummary]) async throws {
        for action in plan.actions {
            switch action {
            case .create(let side, let name, let subscribe):
                let wire = try wireName(name, on: side)
                try await endpoints[side].createMailbox(wire)
                if subscribe { try await endpoints[side].setSubscribed(true, mailbox: wire) }
                summaries[name, default: SyncSummary(mailbox: name.description)].created.append(side)
                logger.info("\(side): Created mailbox \(name)")
                checkpoint("create")
            case .setSubscribed(let side, let name, let subscribed):
                try await endpoints[side].setSubscribed(subscribed, mailbox: try wireName(name, on: side))
                logger.info("\(side): \(subscribed ? "Subscribed to" : "Unsubscribed from") \(name)")
                checkpoint("subscribe")
            case .recordMailbox, .recordSubscribed:
                continue
            }
        }
        let records = plan.actions.filter {
            if case .recordMailbox = $0 { return true }
            if case .recordSubscribed = $0 { return true }
            return false
        }
        guard !records.isEmpty else { return }
        try database.write { tx in
            for action in records {
                switch action {
                case .recordMailbox(let name, let subscribed): _ = try tx.createMailbox(name, subscribed: subscribed)
                case .recordSubscribed(let id, let subscribed): try tx.setSubscribed(subscribed, mailbox: id)
                default: break
                }
            }
        }
        checkpoint("record mailboxes")
    }
}
