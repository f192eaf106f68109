extension WorkerConfiguration {
    /// The user's local account that `sync` orders and `imapctl syncremote` keep in sync with
    /// remote identities: the embedded store (default), or an IMAP account reached as the
    /// configuration says, through the same engine (docs/sync.md, "The local account").
    /// `{user}` in `command` and `username` stands for the order's `user_id`.
    public struct LocalAccountSection: Sendable, Equatable {
        public init() {}
        /// `store`, `imap` (STARTTLS required), `imaps`, `plain` or `tunnel`.
        public var type = "store"
        /// `tunnel`: a shell command speaking IMAP on stdin/stdout, pre-authenticated
        /// (e.g. `doveadm exec imap -u {user}`; `{user}` is inserted shell-quoted).
        public var command = ""
        /// `imap`/`imaps`/`plain`: the server, `host` or `host:port`.
        public var host = ""
        /// 0: the connection type's port (143 or 993), unless `host` names one.
        public var port = 0
        /// The login; `{user}*master` logs in as the user with a Dovecot master user's password.
        public var username = "{user}"
        public var password = ""
        /// Prints the password on its first line, when `password` is empty.
        public var passwordCommand = ""

        public static let types = ["store", "imap", "imaps", "plain", "tunnel"]

        public var isStore: Bool { type == "store" }
    }
}

/// The password never goes into a log line.
extension WorkerConfiguration.LocalAccountSection: CustomStringConvertible {
    public var description: String {
        "LocalAccountSection(type: \(type), command: \(command), host: \(host), port: \(port), username: \(username)"
            + ", password: \(password.isEmpty ? "none" : "<redacted>"), password_command: \(passwordCommand))"
    }
}
