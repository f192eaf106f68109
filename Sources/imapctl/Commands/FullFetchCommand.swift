import ArgumentParser
import Foundation
import MailJobs
import Logging
import MailStore

struct FullFetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fullfetch",
        abstract: "Fetch every message of a remote mailbox into the user's local account (no sync state kept).",
        discussion: """
            By default the order goes to a running imapworker over the bus the configuration names (nats.url, else \
            redis.url; --bus to choose) and the final event is printed; --local runs the job in this process. \
            Runs again safely: messages already stored are neither downloaded nor stored twice. With --identifier, \
            the stored identity says how to connect (its mailboxes by default); its sync lock is held while it runs \
            and the outcome is recorded in its check history.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var remote: RemoteOptions
    @OptionGroup var bus: BusOptions

    @Option(name: .long, help: "Remote mailbox (decoded name, e.g. 'Lists/Développement'); default INBOX, or the identity's mailboxes.")
    var mailbox: String?

    @Option(name: .long, help: "The local user the messages are stored for.")
    var userid: String

    @Option(name: .long, help: "A stored identity of the user (see addremote, remotes) to fetch through.")
    var identifier: String?

    func run() async throws {
        let configuration = try global.load()
        guard bus.local else {
            var fields = try remote.orderFields(identity: identifier != nil)
            fields["user_id"] = userid
            if let identifier {
                fields["identity_id"] = try global.orderIdentityID(identifier, userID: userid, configuration: configuration)
            }
            fields["mailbox"] = mailbox
            try await OrderSubmission.run(.fullfetch, fields: fields, global: global, bus: bus, configuration: configuration)
            return
        }
        let logger = try global.makeLogger(configuration)
        let store = try global.openStore(configuration)
        defer { store.close() }
        guard let identifier else {
            var settings = try remote.settings(configuration, resolveSecrets: remote.tunnel == nil)
            settings.wireTrace = bus.wireTrace
            try await fetch(mailbox ?? "INBOX", client: settings, identityID: nil, store: store, configuration, logger)
            return
        }
        let identity = try storedIdentity(store, identifier: identifier, userID: userid)
        var settings = try remote.settings(identity: identity, configuration)
        settings.wireTrace = bus.wireTrace
        let lock = try IdentitySyncLease(store: store, identityID: identity.id,
                                         duration: TimeInterval(configuration.identities.syncLockSeconds))
        do {
            for name in mailbox.map({ [$0] }) ?? identity.mailboxes {
                try await fetch(name, client: settings, identityID: identity.id, store: store, configuration, logger)
            }
        } catch {
            await lock.end()
            try store.recordCheckFailed(id: identity.id, error: "\(error)",
                                        deactivateAfter: TimeInterval(configuration.identities.deactivateAfterHours) * 3600)
            throw error
        }
        await lock.end()
        try store.recordCheckSucceeded(id: identity.id)
    }

    private func fetch(_ mailbox: String, client settings: RemoteSettings, identityID: UUID?, store: MailStore,
                       _ configuration: WorkerConfiguration, _ logger: Logger) async throws {
        let job = FullFetchJob(userID: userid, mailbox: mailbox, client: try settings.clientConfiguration(),
                               identityID: identityID, fetch: configuration.fetch)
        let printer = ProgressPrinter(enabled: !global.quiet && !global.json && isatty(STDERR_FILENO) == 1)
        do {
            let result = try await job.run(store: store, logger: logger) { printer.show($0) }
            printer.finish()
            if global.json {
                try global.printJSON(result)
            } else if !global.quiet {
                print("""
                    \(result.mailbox): \(result.inserted) new message(s) stored for \(result.userID) \
                    (\(result.remoteMessages) on the server, \(result.alreadyStored) already stored), \
                    \(formatBytes(result.bytes)) in \(String(format: "%.1f", result.seconds)) s
                    """)
            }
        } catch {
            printer.finish()
            throw CommandFailure(error)
        }
    }
}
