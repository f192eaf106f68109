import Foundation
import GRDB

/// One flag change of a batch (`storeFlags(mailboxID:_:)`): IMAP's `UID STORE`.
public struct FlagStoreChange: Sendable, Hashable {
    public var uids: [ClosedRange<UInt32>]
    public var operation: FlagOperation
    public var flags: [String]
    /// A message whose modseq is above it is left alone and reported `modified` (RFC 7162).
    public var unchangedSince: Int64?

    public init(uids: [ClosedRange<UInt32>], _ operation: FlagOperation, _ flags: [String], unchangedSince: Int64? = nil) {
        self.uids = uids
        self.operation = operation
        self.flags = flags
        self.unchangedSince = unchangedSince
    }
}

/// Flag and keyword changes, CONDSTORE's way.
extension MailStore {
    /// Changes the flags of the existing messages among `uids` in one transaction. With
    /// `unchangedSince`, a message whose modseq is above it is left alone and reported `modified`
    /// (RFC 7162). Every message whose flags really change gets the transaction's new modseq.
    public func storeFlags(mailboxID: Int64, uids: [ClosedRange<UInt32>], _ operation: FlagOperation, _ flags: [String],
                           unchangedSince: Int64? = nil) async throws(MailStoreError) -> FlagStoreOutcome {
        let outcomes = try await storeFlags(mailboxID: mailboxID,
                                            [FlagStoreChange(uids: uids, operation, flags, unchangedSince: unchangedSince)])
        return outcomes.first ?? FlagStoreOutcome(modSeq: nil, changed: [], modified: [])
    }

    /// Several changes, applied in order in one transaction (a sync round's stores, one per flag
    /// list), sharing its one new modseq: each commit rewrites every page it touched, so one
    /// transaction for the round instead of one per flag list. The outcomes are in order.
    public func storeFlags(mailboxID: Int64, _ changes: [FlagStoreChange]) async throws(MailStoreError) -> [FlagStoreOutcome] {
        try await asyncWrite { db in
            var modSeq: Int64?
            let update = try db.cachedStatement(sql: "UPDATE messages SET flags = ?, modseq = ? WHERE id = ?")
            let select = try db.cachedStatement(sql: """
                SELECT id, uid, flags, modseq FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid
                """)
            return try changes.map { change in
                let given = MessageFlags.normalised(change.flags)
                let givenKeys = Set(given.map { $0.lowercased() })
                var changed: [UInt32] = []
                var modified: [UInt32] = []
                for range in change.uids {
                    let rows = try Row.fetchAll(select, arguments: [mailboxID, Int64(range.lowerBound), Int64(range.upperBound)])
                    for row in rows {
                        let uid = UInt32(truncatingIfNeeded: try row.decode(Int64.self, atIndex: 1))
                        let current = MessageFlags.decode(try row.decode(atIndex: 2))
                        if let unchangedSince = change.unchangedSince, try row.decode(Int64.self, atIndex: 3) > unchangedSince {
                            modified.append(uid)
                            continue
                        }
                        let next: [String] = switch change.operation {
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
                return FlagStoreOutcome(modSeq: changed.isEmpty ? nil : modSeq, changed: changed, modified: modified)
            }
        }
    }
}
