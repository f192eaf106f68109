import Foundation
import GRDB

/// Flag and keyword changes, CONDSTORE's way.
extension MailStore {
    /// Changes the flags of the existing messages among `uids` in one transaction. With
    /// `unchangedSince`, a message whose modseq is above it is left alone and reported `modified`
    /// (RFC 7162). Every message whose flags really change gets the transaction's new modseq.
    public func storeFlags(mailboxID: Int64, uids: [ClosedRange<UInt32>], _ operation: FlagOperation, _ flags: [String],
                           unchangedSince: Int64? = nil) async throws(MailStoreError) -> FlagStoreOutcome {
        let given = MessageFlags.normalised(flags)
        let givenKeys = Set(given.map { $0.lowercased() })
        return try await asyncWrite { db in
            var modSeq: Int64?
            var changed: [UInt32] = []
            var modified: [UInt32] = []
            let update = try db.cachedStatement(sql: "UPDATE messages SET flags = ?, modseq = ? WHERE id = ?")
            for range in uids {
                let rows = try Row.fetchAll(db, sql: """
                    SELECT id, uid, flags, modseq FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid
                    """, arguments: [mailboxID, Int64(range.lowerBound), Int64(range.upperBound)])
                for row in rows {
                    let uid = UInt32(truncatingIfNeeded: try row.decode(Int64.self, atIndex: 1))
                    let current = MessageFlags.decode(try row.decode(atIndex: 2))
                    if let unchangedSince, try row.decode(Int64.self, atIndex: 3) > unchangedSince {
                        modified.append(uid)
                        continue
                    }
                    let next: [String] = switch operation {
                    case .replace: given
                    case .add: MessageFlags.normalised(current + given)
                    case .remove: current.filter { !givenKeys.contains($0.lowercased()) }
                    }
                    guard next != current else { continue }
                    let value = try modSeq ?? Self.nextModSeq(db, mailboxID: mailboxID)
                    modSeq = value
                    try update.execute(arguments: [next.joined(separator: " "), value, try row.decode(Int64.self, atIndex: 0)])
                    changed.append(uid)
                }
            }
            return FlagStoreOutcome(modSeq: modSeq, changed: changed, modified: modified)
        }
    }
}
