import Foundation
import IMAPClient
import IMAPCore
import Logging
import MailJobs
import MailStore

/// One push identity's connection. Where the server has NOTIFY (RFC 5465) it watches every
/// personal mailbox (new mail, expunges, flag changes, new or renamed mailboxes); otherwise it
/// IDLEs on INBOX (RFC 2177) for new mail. A change asks the scheduler for a sync of the identity.
/// Reconnects with `PushBackoff` after a failure, and asks for a sync after each reconnection
/// (mail may have arrived meanwhile). Runs until cancelled.
struct PushWatcher: Sendable {
    let identity: ScheduledIdentity
    let store: MailStore
    let configuration: WorkerConfiguration
    let syncs: BackgroundSyncs
    let logger: Logger
    var backoff = PushBackoff()
    /// Servers drop idle clients after 30 minutes (RFC 2177): IDLE is renewed before that.
    var idleRenewal: Duration = .seconds(25 * 60)

    func run() async {
        var failures = 0
        var connectedBefore = false
        let id = identity.id.uuidString.lowercased()
        while !Task.isCancelled {
            do {
                let client = try await clientConfiguration()
                try await IMAPSession.withSession(client, logger: logger) { session in
                    let mode = try await watch(session)
                    syncs.status.pushWatching(identity.id, mode)
                    failures = 0
                    if connectedBefore { await syncs.pushArrived(identity.id, userID: identity.userID) }
                    connectedBefore = true
                    logger.info("push: watching \(mode.watched)", metadata: ["identity": "\(id)", "mode": "\(mode)"])
                    try await idle(session, mode: mode)
                }
            } catch {
                syncs.status.pushWatching(identity.id, nil)
                if Task.isCancelled { break }
                failures += 1
                let failure = FailureClassification.failure(for: error)
                let permanent = failure.code == .authFailed || failure.code == .tlsFailed || failure.code == .unknownIdentity
                let delay = backoff.delay(afterFailures: failures, permanent: permanent, unit: Double.random(in: 0..<1))
                logger.warning("push connection lost", metadata: [
                    "identity": "\(id)", "code": "\(failure.code.rawValue)", "error": "\(failure.message)",
                    "retry_in": "\(delay)",
                ])
                guard (try? await Task.sleep(for: delay)) != nil else { break }
            }
        }
    }

    /// What is reported on the connection: NOTIFY SET for every personal mailbox, or INBOX selected.
    private func watch(_ session: IMAPSession) async throws -> PushMode {
        if session.hasCapability(.notify) {
            try await session.notify(PushMode.notifyParameters).value
            return .notify
        }
        _ = try await session.examine(.inbox).value
        return .idle
    }

    /// IDLE until cancelled, renewed every `idleRenewal`; a change (`PushMode.isChange`) ends one
    /// IDLE and asks for a sync.
    private func idle(_ session: IMAPSession, mode: PushMode) async throws {
        while !Task.isCancelled {
            let handle = session.idle(deadline: idleRenewal, endOnFirstEvent: true)
            let events = try await withTaskCancellationHandler {
                try await handle.value
            } onCancel: {
                handle.end()
            }
            if events.contains(where: mode.isChange) {
                await syncs.pushArrived(identity.id, userID: identity.userID)
            }
        }
    }

    /// The identity's stored settings (read again at each connection: a changed password is used).
    private func clientConfiguration() async throws -> IMAPClientConfiguration {
        let (store, id, defaults) = (self.store, identity.id, configuration.imap)
        return try await offThePool {
            guard let stored = try store.identity(id: id) else {
                throw JobFailure(.unknownIdentity, "no identity \(id.uuidString.lowercased())")
            }
            var settings = RemoteSettings(identity: stored, defaults: defaults)
            try settings.runSecretCommands()
            return try settings.clientConfiguration()
        }
    }
}
