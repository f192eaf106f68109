import ArgumentParser
import Foundation
import MailJobs
import MailStore
import SyncEngine

struct SyncRemoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "syncremote",
        abstract: "Synchronise a stored remote identity with the user's local account, both ways.",
        discussion: """
            Every mailbox of the remote account (or the --mailbox ones) is kept in sync with the user's local account \
            (the embedded store, or the IMAP account the configuration's local_account names) through the sync engine: the first run copies everything, later runs only changes; flags set and messages \
            expunged locally (imapctl flag / expunge) reach the remote. By default a `sync` order goes to a running \
            imapworker over the bus the configuration names (nats.url, else redis.url; --bus to choose) and the final \
            event is printed; the worker uses the identity's stored secret (--pass replaces it for that order). \
            --local runs the job in this process: the identity's sync lock is held while it runs and the outcome \
            recorded in its check history; the sync state is in sync/<identity id>.db beside the store file; without a \
            stored password: --pass, IMAPWORKER_PASSWORD, else a prompt on the terminal.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var bus: BusOptions

    @Option(name: .long, help: "The local user.")
    var userid: String

    @Option(name: .long, help: "The identity: its id, or its login (see addremote, remotes).")
    var identifier: String

    @Option(name: .long, help: "Password when the identity stores none (else IMAPWORKER_PASSWORD, else a prompt); sent in the order without --local, replacing the stored one.")
    var pass: String?

    @Option(name: .long, help: "OAuth access token when the identity stores none (else IMAPWORKER_OAUTH_TOKEN, else a prompt); --local only.")
    var oauthToken: String?

    @Option(name: .long, help: "Only this mailbox (decoded name, '/' as delimiter, e.g. 'Lists/Développement'); repeatable.")
    var mailbox: [String] = []

    @Option(name: .long, help: "Connections to each account at most, mailboxes side by side (default: the configuration's sync.connections); --local only.")
    var connections: Int?

    func validate() throws {
        if let connections, connections < 1 { throw ValidationError("--connections needs at least 1") }
    }

    func run() async throws {
        var configuration = try global.load()
        if let connections { configuration.sync.connections = connections }
        guard bus.local else {
            try await sendOrder(configuration)
            return
        }
        let logger = try global.makeLogger(configuration)
        let store = try global.openStore(configuration)
        defer { store.close() }
        let report: SyncReport
        let output = SyncOutput(json: global.json, quiet: global.quiet)  // its progress line, on a terminal
        do {
            let identity = try store.identity(userID: userid, identifier: identifier)
            var settings = RemoteSettings(identity: identity, defaults: configuration.imap)
            if settings.password == nil { settings.password = SecretSource.password.given(flag: pass) }
            if settings.oauthToken == nil { settings.oauthToken = SecretSource.oauthToken.given(flag: oauthToken) }
            // A tunnel is usually PREAUTH: no secret to look for.
            if identity.tls.connection != .tunnel { try RemoteOptions.resolveSecrets(&settings) }
            settings.wireTrace = bus.wireTrace
            let job = RemoteSyncJob(identity: identity, settings: settings, mailboxes: mailbox, configuration: configuration)
            let options = SyncRunOptions(progress: output.progressHandler, checkpoint: SyncCrashHook.fromEnvironment(), logger: logger)
            report = try await job.run(store: store, logger: logger, options: options)
        } catch {
            output.finishProgress()
            throw CommandFailure(error)
        }
        output.finishProgress()
        if global.json {
            try global.printJSON(report)
        } else if !global.quiet {
            for line in report.warnings { print(line) }
            for summary in report.mailboxes { print(summary.line) }
        }
        for summary in report.failed where global.json || global.quiet {
            FileHandle.standardError.write(Data((summary.line + "\n").utf8))
        }
        if !report.failed.isEmpty { throw ExitCode.failure }
    }

    /// The `sync` order: the identity's id (a login is looked up in the store, as --local does),
    /// `mailboxes`, and --pass as `password`. An order carries no OAuth token: the worker uses the
    /// identity's stored one.
    private func sendOrder(_ configuration: WorkerConfiguration) async throws {
        if oauthToken != nil {
            throw ValidationError("--oauth-token needs --local: a sync order carries no token, the worker uses the identity's stored one")
        }
        var fields = ["user_id": userid]
        fields["identity_id"] = try global.orderIdentityID(identifier, userID: userid, configuration: configuration)
        if let pass { fields["password"] = pass }
        try await OrderSubmission.run(.sync, fields: fields, mailboxes: mailbox, global: global, bus: bus,
                                      configuration: configuration)
    }
}
