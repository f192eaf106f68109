import Foundation
import SyncEngine
import Synchronization

/// What `imapctl sync` prints: a progress line on a terminal (stderr), one summary line per
/// mailbox that did something (stdout), or the whole report as one JSON line.
struct SyncOutput: Sendable {
    let json: Bool
    let quiet: Bool
    private let progress: ProgressLine

    init(json: Bool, quiet: Bool) {
        self.json = json
        self.quiet = quiet
        progress = ProgressLine(enabled: !quiet && !json && isatty(STDERR_FILENO) == 1)
    }

    var progressHandler: (@Sendable (SyncProgress) -> Void)? {
        let progress = self.progress
        guard progress.enabled else { return nil }
        return { @Sendable in progress.show($0) }
    }

    func finishProgress() { progress.finish() }

    func report(_ report: SyncReport) {
        progress.finish()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            if let data = try? encoder.encode(report) { FileHandle.standardOutput.write(data + Data("\n".utf8)) }
            return
        }
        for summary in report.mailboxes where summary.outcome == .failed {
            FileHandle.standardError.write(Data((summary.line + "\n").utf8))
        }
        guard !quiet else { return }
        for summary in report.mailboxes where summary.outcome == .synced {
            print(summary.line)
        }
        for warning in report.warnings + report.mailboxes.flatMap(\.warnings) {
            FileHandle.standardError.write(Data("WARNING: \(warning)\n".utf8))
        }
    }

    func lines(_ lines: [String]) {
        guard !quiet else { return }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            if let data = try? encoder.encode(["done": lines]) { FileHandle.standardOutput.write(data + Data("\n".utf8)) }
            return
        }
        for line in lines { print(line) }
    }
}

/// The progress line, rewritten in place: mailbox, messages, bytes, rate.
private final class ProgressLine: Sendable {
    let enabled: Bool
    private let state = Mutex<(shown: Bool, started: ContinuousClock.Instant?, mailbox: String)>((false, nil, ""))

    init(enabled: Bool) { self.enabled = enabled }

    func show(_ p: SyncProgress) {
        let elapsed = state.withLock { s -> Double in
            if s.mailbox != p.mailbox || s.started == nil {
                s.mailbox = p.mailbox
                s.started = .now
            }
            s.shown = true
            let d = (ContinuousClock.now - (s.started ?? .now)).components
            return Double(d.seconds) + Double(d.attoseconds) / 1e18
        }
        let rate = elapsed > 0.2 ? ", \(formatBytes(Int(Double(p.bytesCopied) / elapsed)))/s" : ""
        let line = "\r\(p.mailbox): \(p.messagesCopied)/\(p.messagesTotal) msgs, \(formatBytes(p.bytesCopied))/\(formatBytes(p.bytesTotal))\(rate)\u{1B}[K"
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        let shown = state.withLock { s -> Bool in
            defer { s.shown = false }
            return s.shown
        }
        if enabled, shown { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
