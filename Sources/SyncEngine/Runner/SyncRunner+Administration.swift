import IMAPCore

/// Where `--delete` and `--rename` act (`--target`, repeatable; all three by default).
public enum SyncTarget: String, CaseIterable, Codable, Hashable, Sendable {
    case local, remote, database

    public init(_ side: Side) { self = side == .local ? .local : .remote }
}

extension SyncRunner {
    /// `--delete MAILBOX…`: deletes each mailbox on every target where it exists. Not
    /// recursive (IMAP's DELETE is not): children stay. Names are modified UTF-7 with the local
    /// delimiter. Returns what was done, one line each.
    public func delete(_ mailboxes: [String], targets: Set<SyncTarget> = Set(SyncTarget.allCases)) async throws -> [String] {
        let (session, listed, names) = try await prepare(mailboxes)
        var done: [String] = []
        for name in names {
            guard name != .inbox else { throw SyncRunError.cannotDeleteInbox }
            for side in Side.allCases where targets.contains(SyncTarget(side)) && listed.exists(name, on: side) {
                try await session.endpoints[side].deleteMailbox(try session.wireName(name, on: side))
                done.append("\(side): Deleted mailbox \(name)")
            }
            if targets.contains(.database), let record = try database.read({ try $0.mailbox(named: name) }) {
                try database.write { try $0.deleteMailbox(record.id) }
                done.append("database: Removed mailbox \(name)")
            }
        }
        return done
    }

    /// `--rename SOURCE DEST`: renames on every target where SOURCE is listed, children
    /// included (IMAP's RENAME is recursive; the database's children rows too). Stops before
    /// doing anything when DEST exists on a target.
    public func rename(_ source: String, to destination: String,
                       targets: Set<SyncTarget> = Set(SyncTarget.allCases)) async throws -> [String] {
        let (session, listed, names) = try await prepare([source, destination])
        guard names.count == 2 else { throw SyncRunError.invalidMailboxName(destination) }
        let (from, to) = (names[0], names[1])
        for side in Side.allCases where targets.contains(SyncTarget(side)) && listed.exists(to, on: side) {
            throw SyncRunError.mailboxExists(mailbox: to.description, on: side.rawValue)
        }
        if targets.contains(.database), try database.read({ try $0.mailbox(named: to) }) != nil {
            throw SyncRunError.mailboxExists(mailbox: to.description, on: "database")
        }
        var done: [String] = []
        for side in Side.allCases where targets.contains(SyncTarget(side)) && listed.isListed(from, on: side) {
            // \NonExistent names can be renamed too (they may have children).
            try await session.endpoints[side].renameMailbox(try session.wireName(from, on: side),
                                                            to: try session.wireName(to, on: side))
            done.append("\(side): Renamed mailbox \(from) to \(to)")
        }
        if targets.contains(.database), try database.write({ try $0.renameMailbox(from, to: to) }) > 0 {
            done.append("database: Renamed mailbox \(from) to \(to)")
        }
        return done
    }

    /// Lists exactly the named mailboxes on both sides and gives their stored names (the local
    /// delimiter replaced by `\0`).
    private func prepare(_ mailboxes: [String]) async throws -> (SyncSession, ListedMailboxes, [StoredMailboxName]) {
        var session = SyncSession(endpoints: endpoints, database: database, options: options)
        var selection = self.selection
        selection.explicit = try SyncSelection.explicitNames(mailboxes)
        let listed = try await session.listMailboxes(selection)
        let d = session.delimiters.local?.asciiValue
        let names = try selection.explicit.map { bytes throws(SyncRunError) -> StoredMailboxName in
            guard let name = StoredMailboxName(bytes: bytes.map { $0 == d ? 0 : $0 }) else {
                throw .invalidMailboxName(String(decoding: bytes, as: UTF8.self))
            }
            return name
        }
        return (session, listed, names)
    }
}
