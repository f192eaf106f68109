import Foundation

/// A directory under /tmp that is removed when the value is released (or by `remove()`).
public final class TemporaryDirectory: Sendable {
    public let path: String

    public init(prefix: String = "imapworker-test") throws {
        let template = "/tmp/\(prefix)-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard let made = mkdtemp(&bytes) else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        path = String(cString: made)
        // Dovecot's helpers drop to uid 65534: the tree must be reachable by it.
        chmod(path, 0o755)
    }

    public func file(_ name: String) -> String { path + "/" + name }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }

    deinit { remove() }
}
