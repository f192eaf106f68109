import ArgumentParser

@main
struct IMAPCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "imapctl",
        abstract: "On-demand IMAP operations and remote identities for imapworker.",
        discussion: """
            fullfetch copies a remote mailbox into a user's local account (the embedded store by default); \
            addremote stores a remote identity, removeremote deletes one, remotes lists them; export writes stored messages as a Maildir; sync synchronises two IMAP accounts as interimap does; syncremote keeps a stored identity in sync with the local account. \
            imapctl reads the same configuration file as imapworker (--config, default configs/imapworker.yaml).
            """,
        subcommands: [FullFetchCommand.self, AddRemoteCommand.self, RemoveRemoteCommand.self, RemotesCommand.self,
                      ExportCommand.self, StatusCommand.self, SyncCommand.self, SyncRemoteCommand.self, LocalMailboxesCommand.self,
                      LocalMessagesCommand.self, LocalFlagCommand.self, LocalExpungeCommand.self]
    )

    /// interimap's `--watch[=seconds]` has an optional value, which ArgumentParser cannot parse.
    static func main() async {
        await main(SyncArguments.normalise(Array(CommandLine.arguments.dropFirst())))
    }
}
