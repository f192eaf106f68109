import GRDB

extension AppendedMessage {
    /// The message as the store's writers take it: no remote origin (it never conflicts).
    func incoming(into mailboxID: Int64) -> IncomingMessage {
        IncomingMessage(mailboxID: mailboxID, origin: nil, flags: flags,
                        internalDate: (epoch: internalDate, utcOffsetMinutes: internalDateOffset), body: body)
    }
}

/// The inserts of one local append batch inside its write transaction: the UIDs in order, and the
/// outcome under the mailbox's UIDVALIDITY (`MailStore.append` and `AppendWriter` share it).
struct LocalAppendInsertion {
    private let mailboxID: Int64
    private let validity: Int64
    private var insertion: BatchInsertion
    private var uids: [UInt32] = []

    init(_ db: Database, mailboxID: Int64) throws {
        guard let validity = try Int64.fetchOne(db, sql: "SELECT uidvalidity FROM mailboxes WHERE id = ?",
                                                arguments: [mailboxID]) else {
            throw MailStoreError.notFound("mailbox \(mailboxID)")
        }
        self.mailboxID = mailboxID
        self.validity = validity
        insertion = try BatchInsertion(db)
    }

    mutating func insert(_ item: PendingMessage) throws {
        guard let uid = try insertion.insert(item) else { throw MailStoreError.io("appended message not inserted") }
        uids.append(uid)
    }

    mutating func finish() throws -> AppendOutcome {
        let modSeqs = try insertion.finish()
        return AppendOutcome(uidValidity: UInt32(truncatingIfNeeded: validity), uids: uids, modSeq: modSeqs[mailboxID])
    }
}
