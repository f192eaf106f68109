import IMAPCore
import SyncEngine

/// Lists both accounts and the state database and replays on the local account and the database
/// the renames `RemoteRenamePlanner` finds on the remote, before the run (which would otherwise
/// stop on a mailbox deleted on one side). The listings are the run's own first ones: when no
/// rename was made, the run goes on with them instead of listing again.
enum RemoteRenames {
    static func replay(runner: SyncRunner) async throws -> (warnings: [String], listings: PerSide<MailboxListing>?) {
        let endpoints = runner.endpoints, selection = runner.selection
        async let remoteListing = endpoints.remote.listMailboxes(selection.firstListRequest(for: .remote))
        let local = try await endpoints.local.listMailboxes(selection.firstListRequest(for: .local))
        let remote = try await remoteListing
        func names(_ listing: MailboxListing) -> [StoredMailboxName: UInt32] {
            var names: [StoredMailboxName: UInt32] = [:]
            for entry in listing.mailboxes {
                guard let name = StoredMailboxName(entry.name, delimiter: listing.delimiter) else { continue }
                names[name] = entry.status?.uidValidity ?? 0
            }
            return names
        }
        let known = try runner.database.read { db in
            try Dictionary(db.mailboxes().map { ($0.name, try db.sideState(.remote, mailbox: $0.id)?.uidValidity) },
                           uniquingKeysWith: { first, _ in first })
        }
        let renames = RemoteRenamePlanner.plan(known: known, remote: names(remote).filter { $0.value != 0 },
                                               local: Set(names(local).keys))
        var done: [String] = []
        for rename in renames {
            // The administrative rename takes command-line names: the local delimiter, modified UTF-7.
            guard let from = rename.from.mailboxName(delimiter: local.delimiter),
                  let to = rename.to.mailboxName(delimiter: local.delimiter) else { continue }
            done += try await runner.rename(String(decoding: from.raw, as: UTF8.self),
                                            to: String(decoding: to.raw, as: UTF8.self), targets: [.local, .database])
        }
        return (done.map { "renamed on the remote; \($0)" }, renames.isEmpty ? PerSide(local: local, remote: remote) : nil)
    }
}
