import Foundation
import IMAPClient
import IMAPCore
import Logging
import MailJobs
import MailStore

/// One push identity's IDLE connection on INBOX (RFC 2177): new mail (`EXISTS`) asks the
/// scheduler for a sync of the identity. Reconnects with `PushBackoff` after a failure, and asks
/// for a sync after each reconnection (mail may have arrived meanwhile). Runs until cancelled.
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
                    _ = try await session.examine(.inbox).value
                    failures = 0
                    if connectedBefore { await syncs.pushArrived(identity.id, userID: identity.userID) }
                    connectedBefore = true
                    logger.info("push: idling on INBOX", metadata: ["identity": "\(id)"])
                    try await idle(session)
                }
            } catch {
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

    /// IDLE until cancelled, renewed every `idleRenewal`; each EXISTS ends one IDLE and asks for a sync.
    private func idle(_ session: IMAPSession) async throws {
        while !Task.isCancelled {
            let handle = session.idle(deadline: idleRenewal, endOnFirstEvent: true)
            let events = try await withTaskCancellationHandler {
                try await handle.value
            } onCancel: {
                handle.end()
            }
            if events.contains(where: { if case .exists = $0 { true } else { false } }) {
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
