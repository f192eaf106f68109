import IMAPClient
import IMAPCore
import MailStore

/// What a fullfetch downloads: the remote UIDs not stored yet, and the totals progress shows.
struct FetchPlan {
    var uids: [UInt32] = []
    var remoteMessages = 0
    var bytesTotal = 0

    /// Lists the selected mailbox. Totals come from STATUS SIZE (RFC 8438) when the server gave it
    /// and nothing is stored yet, so that only `UID FETCH 1:* (UID FLAGS)` is needed, which a server
    /// answers from its index; otherwise from each message's RFC822.SIZE, which it may have to
    /// compute by reading the message.
    static func make(session: IMAPSession, exists: Int, status: MailboxStatus?,
                     alreadyStored: Set<UInt32>) async throws -> FetchPlan {
        var plan = FetchPlan()
        guard exists > 0 else { return plan }
        if let size = status?.size, alreadyStored.isEmpty, let all = UID(rawValue: 1).map({ UIDSet($0...UID.max) }) {
            let listed = try await session.uidFetchFlags(all, changedSince: nil).value.updates
            plan.remoteMessages = listed.count
            plan.uids = listed.map(\.uid.rawValue)
            plan.bytesTotal = Int(clamping: size)
        } else {
            try await session.uidFetchSizes { uid, size in
                plan.remoteMessages += 1
                guard !alreadyStored.contains(uid.rawValue) else { return }
                plan.uids.append(uid.rawValue)
                plan.bytesTotal = plan.bytesTotal.addingClamped(max(0, size))
            }
        }
        plan.uids.sort()
        return plan
    }

    /// The UIDs in commands of at most `perCommand` UIDs each.
    func commands(perCommand: Int) -> [UIDSet] {
        let step = max(1, perCommand)
        return stride(from: 0, to: uids.count, by: step).compactMap {
            UIDSet(uids: uids[$0..<min($0 + step, uids.count)].compactMap(UID.init(rawValue:)))
        }
    }
}
