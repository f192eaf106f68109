import Foundation
import IMAPClient

/// `--debug`'s IMAP traffic, interimap's way: `remote: C: A5 SELECT INBOX`, `local: S: * 3 EXISTS`;
/// literal payloads elided; LOGIN / AUTHENTICATE credentials redacted unless `--debug` is given
/// twice. Only ever written where `--debug` asked for it, never to ordinary logs.
enum WireTraceOutput {
    /// nil without `--debug`: the sessions trace nothing.
    static func trace(debug: Int, label: String, write: @escaping @Sendable (String) -> Void) -> IMAPWireTrace? {
        guard debug > 0 else { return nil }
        return IMAPWireTrace(mode: debug > 1 ? .showingSecrets : .hidingSecrets) { direction, line in
            write("\(label): \(direction.rawValue): \(line)")
        }
    }

    /// The trace as lines on the standard error.
    static func standardError(debug: Int, label: String) -> IMAPWireTrace? {
        trace(debug: debug, label: label) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    }
}
