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
            through the sync engine: the first run copies everything, later runs only changes; flags set and messages \
            expunged locally (imapctl flag / expunge) reach the remote. Runs in this process (a running worker does \
            the same on a `sync` order). The identity's sync lock is held while it runs and the outcome recorded in its \
            check history; the sync state is in sync/<identity id>.db beside the store file. Without a stored \
            password: --pass, IMAPWORKER_PASSWORD, else a prompt on the terminal.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "The local user.")
    var userid: String

    @Option(name: .long, help: "The identity: its id, or its login (see addremote, remotes).")
    var identifier: String

    @Option(name: .long, help: "Password when the identity stores none (else IMAPWORKER_PASSWORD, else a prompt).")
    var pass: String?

    @Option(name: .long, help: "OAuth access token when the identity stores none (else IMAPWORKER_OAUTH_TOKEN, else a prompt).")
    var oauthToken: String?

    @Option(name: .long, help: "Only this mailbox (decoded name, '/' as delimiter, e.g. 'Lists/Développement'); repeatable.")
    var mailbox: [String] = []

    func run() async throws {
        let configuration = try global.load()
        let logger = try global.makeLogger(configuration)
        let store = try global.openStore(configuration)
        let report: SyncReport
        let output = SyncOutput(json: global.json, quiet: global.quiet)  // its progress line, on a terminal
        do {
            let identity = try store.identity(userID: userid, identifier: identifier)
            var settings = RemoteSettings(identity: identity, defaults: configuration.imap)
            if settings.password == nil { settings.password = SecretSource.password.given(flag: pass) }
            if settings.oauthToken == nil { settings.oauthToken = SecretSource.oauthToken.given(flag: oauthToken) }
            // A tunnel is usually PREAUTH: no secret to look for.
            if identity.tls.connection != .tunnel { try RemoteOptions.resolveSecrets(&settings) }
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
}
