import Foundation

/// InterIMAP's configuration file, read as is: an interimap user's `config` works unchanged
/// (same keys, same defaults, same validation), plus a few keys of our own, all starting with
/// `x-` (which interimap rejects, so a file using them is visibly ours). See docs/sync.md.
public struct InterIMAPConfiguration: Hashable, Sendable {
    /// `database`: a path relative to the data directory, or absolute. Default `HOST.db` with
    /// the `[remote]` host (so `localhost.db` for a tunnel, whose host defaults to localhost).
    public var database: String
    /// `list-mailbox`, split into patterns (wire bytes, `\0` standing for the delimiter);
    /// empty = every mailbox (`*`).
    public var listMailbox: [[UInt8]] = []
    /// `list-select-opts`, upper-cased words.
    public var listSelectOptions: [String] = []
    /// `ignore-mailbox`: a regular expression over names with `\0` for the delimiter.
    public var ignoreMailbox: String?
    public var logfile: String?
    /// `log-prefix`; nil for interimap's default `%?n?%?m?%n(%m)&%n?: ?`.
    public var logPrefix: String?
    public var local: ConnectionSettings
    public var remote: ConnectionSettings
    /// Things accepted but worth saying (keys interimap reads only from the default section
    /// found in another, sections interimap ignores).
    public var warnings: [String] = []

    public subscript(side: Side) -> ConnectionSettings { side == .local ? local : remote }

    // MARK: Paths

    /// The file interimap reads: `$XDG_CONFIG_HOME/interimap/config`, or
    /// `~/.config/interimap/config`; a relative `--config` is taken inside that directory.
    public static func configurationPath(_ argument: String? = nil,
                                         environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        xdgPath(argument ?? "config", variable: "XDG_CONFIG_HOME", fallback: ".config", environment: environment)
    }

    /// Where ``database`` is: relative paths inside `$XDG_DATA_HOME/interimap` (or
    /// `~/.local/share/interimap`).
    public func databasePath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        Self.xdgPath(database, variable: "XDG_DATA_HOME", fallback: ".local/share", environment: environment)
    }

    private static func xdgPath(_ path: String, variable: String, fallback: String,
                                environment: [String: String]) -> String {
        if path.hasPrefix("/") { return path }
        let base = environment[variable] ?? ((environment["HOME"] ?? "") + "/" + fallback)
        return base + "/interimap/" + path
    }

    // MARK: Reading

    public static func load(path: String) throws(InterIMAPConfigurationError) -> InterIMAPConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw InterIMAPConfigurationError(file: path, problem: .cannotRead((error as NSError).localizedDescription))
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws(InterIMAPConfigurationError) -> InterIMAPConfiguration {
        let document: INIDocument
        do {
            document = try INIDocument(parsing: text)
        } catch {
            switch error {
            case .badLine(let line, let text):
                throw InterIMAPConfigurationError(file: file, line: line, problem: .syntax(text: text))
            }
        }
        var reader = InterIMAPConfigurationReader(document: document, file: file)
        return try reader.read()
    }
}
