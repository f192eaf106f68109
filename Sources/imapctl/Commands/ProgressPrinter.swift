import Foundation
import MailJobs
import Synchronization

/// One status line on the terminal, rewritten in place: messages, bytes, rate, ETA.
final class ProgressPrinter: Sendable {
    private let enabled: Bool
    private let shown = Mutex(false)

    init(enabled: Bool) { self.enabled = enabled }

    func show(_ p: FetchProgress) {
        guard enabled else { return }
        let eta = p.etaSeconds.map { " ETA \(Int($0.rounded())) s" } ?? ""
        let line = "\r\(p.mailbox): \(p.messagesDone)/\(p.messagesTotal) msgs, \(formatBytes(p.bytesDone))/\(formatBytes(p.bytesTotal)), \(formatBytes(Int(p.rate)))/s\(eta)\u{1B}[K"
        shown.withLock { $0 = true }
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        guard enabled, shown.withLock({ $0 }) else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}

func formatBytes(_ bytes: Int) -> String {
    let b = Double(bytes)
    if b >= 1e9 { return String(format: "%.2f GB", b / 1e9) }
    if b >= 1e6 { return String(format: "%.1f MB", b / 1e6) }
    if b >= 1e3 { return String(format: "%.1f kB", b / 1e3) }
    return "\(bytes) B"
}

/// An error printed as one clear line (the error's own description) with exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ error: any Error) { description = "\(error)" }
}
