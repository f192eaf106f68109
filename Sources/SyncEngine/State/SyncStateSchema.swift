import GRDB

/// InterIMAP 0.5.7's database schema, statement for statement (`interimap`, "Create or update
/// database schema"): the same text lands in `sqlite_master`, so interimap and we read each
/// other's files. Never edit these strings; tables of our own go beside them.
enum SyncStateSchema {
    /// InterIMAP's `$DATABASE_VERSION`, kept in `PRAGMA user_version`.
    static let version = 1

    static let tables: [(name: String, columns: [String])] = [
        ("mailboxes", [
            "idx        INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT",
            "mailbox    BLOB COLLATE BINARY NOT NULL CHECK (mailbox != '') UNIQUE",
            "subscribed BOOLEAN NOT NULL",
        ]),
        ("local", sideColumns),
        ("remote", sideColumns),
        ("mapping", [
            "idx  INTEGER      NOT NULL REFERENCES mailboxes(idx)",
            "lUID UNSIGNED INT NOT NULL CHECK (lUID > 0)",
            "rUID UNSIGNED INT NOT NULL CHECK (rUID > 0)",
            "PRIMARY KEY (idx,lUID)",
            "UNIQUE      (idx,rUID)",
        ]),
    ]

    private static let sideColumns = [
        "idx           INTEGER         NOT NULL PRIMARY KEY REFERENCES mailboxes(idx)",
        "UIDVALIDITY   UNSIGNED INT    NOT NULL CHECK (UIDVALIDITY > 0)",
        "UIDNEXT       UNSIGNED INT    NOT NULL",
        "HIGHESTMODSEQ UNSIGNED BIGINT NOT NULL",
    ]

    static func createStatements() -> [String] {
        tables.map { "CREATE TABLE \($0.name) (\($0.columns.joined(separator: ", ")))" }
    }

    static func create(_ db: Database) throws {
        for statement in createStatements() { try db.execute(sql: statement) }
        try db.execute(sql: "PRAGMA user_version = \(version)")
    }

    /// The table names a usable file must have.
    static var tableNames: [String] { tables.map(\.name) }
}
