import IMAPCore
import SyncEngine

/// Finds the mailboxes renamed on the remote since the last run. The engine, like interimap,
/// sees a renamed mailbox as one deleted on one side (and stops, never deleting mail on a guess)
/// plus a new one (copied again). For `syncremote` a rename must simply appear locally: a mailbox
/// of the state database gone from the remote but still local, and a remote mailbox unknown to
/// the database and to the local account with the very same UIDVALIDITY (RENAME keeps it,
/// RFC 3501), is that mailbox renamed. Only one-to-one matches count.
public enum RemoteRenamePlanner {
    public struct Rename: Hashable, Sendable {
        public var from: StoredMailboxName
        public var to: StoredMailboxName
    }

    /// `known`: the database's mailboxes with their remote UIDVALIDITY (nil before a first commit);
    /// `remote`, `local`: what each side lists now, with UIDVALIDITYs. In the order to apply them,
    /// parents first; a child that its parent's (recursive) rename already moves is left out.
    public static func plan(known: [StoredMailboxName: UInt32?], remote: [StoredMailboxName: UInt32],
                            local: Set<StoredMailboxName>) -> [Rename] {
        let vanished = known.filter { remote[$0.key] == nil && local.contains($0.key) }
        let appeared = remote.filter { known[$0.key] == nil && !local.contains($0.key) }
        var renames: [Rename] = []
        for (name, validity) in vanished.sorted(by: { $0.key < $1.key }) {
            guard let validity else { continue }
            let candidates = appeared.filter { $0.value == validity }
            guard candidates.count == 1, let target = candidates.first?.key,
                  vanished.filter({ $0.value == validity }).count == 1 else { continue }
            var rename = Rename(from: name, to: target)
            if renames.contains(where: { covers($0, rename) }) { continue }
            // Under a parent renamed before it, the child is found at the parent's new name.
            if let parent = renames.last(where: { rename.from.bytes.starts(with: $0.from.bytes + [0]) }),
               let moved = StoredMailboxName(bytes: parent.to.bytes + rename.from.bytes.dropFirst(parent.from.bytes.count)) {
                rename.from = moved
            }
            renames.append(rename)
        }
        return renames
    }

    /// Whether renaming `parent` recursively already gives `child`.
    static func covers(_ parent: Rename, _ child: Rename) -> Bool {
        let prefix = parent.from.bytes + [0]
        guard child.from.bytes.starts(with: prefix) else { return false }
        return child.to.bytes == parent.to.bytes + [0] + child.from.bytes.dropFirst(prefix.count)
    }
}
