import Foundation
import MailJobs
import MailStore
import SyncEngine

extension JobRunner {
    /// `sync`: the stored identity kept in sync with the user's local account, both ways
    /// (`MailJobs.RemoteSyncJob`, as `imapctl syncremote`). A mailbox that fails makes the order
    /// fail (`server_error`) after the others were synced; the stats count what was done. With
    /// message events on, each change made in the local account is announced (`message.*`).
    func remoteSync(_ order: Order, progress: @escaping @Sendable (JobProgress) -> Void,
                    record: @escaping @Sendable (JobStats) -> Void) async throws -> JobResult {
        guard let userID = order.userID else { throw JobFailure(.badOrder, "missing field user_id") }
        guard let identityID = order.identityID else {
            throw JobFailure(.badOrder, "sync needs identity_id: a stored identity (see addremote)")
        }
        let identity = try await storedIdentity(identityID)
        guard identity.userID == userID else {
            throw JobFailure(.unknownIdentity, "no identity \(identityID.uuidString.lowercased()) of user \(userID)")
        }
        var settings = RemoteSettings(identity: identity, defaults: configuration.imap)
        if let password = order.password { settings.password = password }
        let resolved = try await offThePool { [settings] in
            var resolved = settings
            try resolved.runSecretCommands()
            return resolved
        }
        var job = RemoteSyncJob(identity: identity, settings: resolved, mailboxes: order.mailboxes,
                                configuration: configuration)
        job.recordsCheck = false  // execute(_:progress:) records it, counting only the account's failures
        job.checkpointsWhenDone = false  // the store stays open: its log is copied back by size
        // message.* events of what the run changes in the local account (message_events.enabled).
        let events = messageEvents.map {
            SyncChangeEvents(sink: $0, worker: workerID, orderID: order.orderID, userID: userID,
                             identityID: identity.id.uuidString.lowercased())
        }
        let options = SyncRunOptions(progress: { p in
            progress(JobProgress(mailbox: p.mailbox, messagesDone: p.messagesCopied, messagesTotal: p.messagesTotal,
                                 bytesDone: p.bytesCopied, bytesTotal: p.bytesTotal))
        }, logger: logger, changes: events?.observer)
        let report: SyncReport
        do {
            report = try await job.run(store: store, logger: logger, options: options)
        } catch {
            await events?.finish()  // what was changed before the failure is announced still
            throw error
        }
        await events?.finish()
        let stats = JobStats(report)
        record(stats)
        if let failed = report.failed.first {
            throw JobFailure(.serverError, "\(report.failed.count) mailbox(es) failed; \(failed.mailbox): \(failed.error ?? "")")
        }
        return JobResult(stats: stats)
    }
}

extension JobStats {
    /// A sync's counts: `messages_fetched` downloaded from the remote, `messages_appended` appended
    /// on either side, flags, expunges and moves on either side, bytes streamed both ways.
    init(_ report: SyncReport) {
        self.init()
        for summary in report.mailboxes {
            mailboxes += 1
            messagesFetched += summary.copied.local
            messagesAppended += summary.copied.total
            messagesMoved += summary.moved.total
            flagsUpdated += summary.flagsUpdated.total
            expunged += summary.expunged.total
            bytes += summary.bytes
        }
    }
}
