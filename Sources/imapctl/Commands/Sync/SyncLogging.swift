import Foundation
import Logging
import SyncEngine

/// Logging and files for `imapctl sync`, as interimap does them: messages on stderr (or the
/// configuration's `logfile`), the database under `$XDG_DATA_HOME/interimap`.
enum SyncLogging {
    static func logger(configuration: InterIMAPConfiguration, quiet: Bool, debug: Int) -> Logger {
        let file = configuration.logfile.flatMap { path -> FileHandle? in
            if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
            let handle = FileHandle(forWritingAtPath: path)
            _ = try? handle?.seekToEnd()
            return handle
        }
        var logger = Logger(label: "imapctl.sync") { label in
            guard let file else { return StreamLogHandler.standardError(label: label) }
            return StreamLogHandler(label: label, stream: FileStream(handle: file))
        }
        logger.logLevel = debug > 0 ? .trace : quiet ? .error : .warning
        return logger
    }

    /// The IMAP sessions' logger: silent unless debugging. Credentials are never logged by the
    /// session; the traffic itself is the wire trace (``WireTraceOutput``), where a second
    /// `--debug` shows them.
    static func imapLogger(debug: Int, base: Logger) -> Logger {
        var logger = base
        logger.logLevel = debug > 0 ? .trace : .error
        return logger
    }

    /// Opens (creating, with its directory, mode 0700 as interimap) the state database.
    static func openDatabase(_ configuration: InterIMAPConfiguration) throws -> SyncStateDatabase {
        let path = configuration.databasePath()
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        do {
            return try SyncStateDatabase(path: path)
        } catch {
            throw CommandFailure(error)
        }
    }
}

/// Log lines appended to the `logfile`.
private struct FileStream: TextOutputStream, @unchecked Sendable {
    let handle: FileHandle
    mutating func write(_ string: String) { handle.write(Data(string.utf8)) }
}
