import ArgumentParser
import Foundation
import MailJobs
import Synchronization
import Worker

/// Sends one order to a running worker, shows its progress, prints its final event, and turns it
/// into the exit status: 0 `completed`; 1 `failed` or `rejected`; 75 refused by the transport
/// (`busy`, `shutting_down`: send it again later); 69 no worker answered, or no final event in time.
enum OrderSubmission {
    static let exitFailed: Int32 = 1
    static let exitUnavailable: Int32 = 69
    static let exitTryAgain: Int32 = 75

    static func run(_ kind: Order.Kind, fields: [String: String], mailboxes: [String] = [],
                    global: GlobalOptions, bus options: BusOptions, configuration: WorkerConfiguration) async throws {
        let orderID = "imapctl-\(UUID().uuidString.lowercased())"
        var document: [String: Any] = fields
        document["order"] = kind.rawValue
        document["order_id"] = orderID
        if !mailboxes.isEmpty { document["mailboxes"] = mailboxes }
        let payload = Array(try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]))
        let timeout = Duration.seconds(options.timeout ?? configuration.worker.jobTimeoutSeconds + 60)
        let shown = BusProgressLine(enabled: !global.quiet && !global.json && isatty(STDERR_FILENO) == 1)
        let answer: BusAnswer
        do {
            let bus = try await OrderBuses.connect(options.bus, configuration, logger: try global.makeLogger(configuration))
            do {
                answer = try await bus.send(payload, orderID: orderID, timeout: timeout) { shown.show($0) }
            } catch {
                await bus.close()
                throw error
            }
            await bus.close()
        } catch let failure as BusFailure {
            shown.finish()
            if case .notConfigured = failure { throw ValidationError(failure.description) }
            throw fail(failure.description, status: exitUnavailable)
        }
        shown.finish()
        switch answer {
        case .refused(let code, let reason):
            throw fail("the worker refused the order (\(code)): \(reason)", status: code == "busy" || code == "shutting_down" ? exitTryAgain : exitFailed)
        case .event(let event):
            if global.json {
                FileHandle.standardOutput.write(Data(event.encoded() + [UInt8(ascii: "\n")]))
            } else if !global.quiet, event.event == .completed {
                print(summary(event))
            }
            guard event.event == .completed else {
                let error = event.error.map { "\($0.code.rawValue): \($0.message)" } ?? "no error given"
                throw fail("\(event.order ?? kind.rawValue) \(event.event.rawValue) on worker \(event.worker): \(error)",
                           status: exitFailed)
            }
        }
    }

    /// `completed fullfetch imapctl-… on worker-1 in 1.2 s: 3 mailbox(es), 120 fetched, 120 new, 1.8 MB`
    /// (a `sync` adds its flag updates, expunges and moves when it made any).
    static func summary(_ event: WorkerEvent) -> String {
        var text = "completed \(event.order ?? "order") \(event.orderID ?? "") on \(event.worker)"
        if let seconds = event.durationSeconds { text += String(format: " in %.1f s", seconds) }
        if let stats = event.stats, stats != JobStats() {
            text += ": \(stats.mailboxes) mailbox(es), \(stats.messagesFetched) fetched, \(stats.messagesAppended) new"
            // A sync's changes on either side besides the messages copied.
            if stats.flagsUpdated > 0 { text += ", \(stats.flagsUpdated) flag update(s)" }
            if stats.expunged > 0 { text += ", \(stats.expunged) expunged" }
            if stats.messagesMoved > 0 { text += ", \(stats.messagesMoved) moved" }
            if stats.bytes > 0 { text += ", \(formatBytes(stats.bytes))" }
        }
        if let created = event.createdIdentityID { text += ": identity \(created)" }
        return text
    }

    /// The message on stderr, then the exit status.
    static func fail(_ message: String, status: Int32) -> ExitCode {
        FileHandle.standardError.write(Data("imapctl: \(message)\n".utf8))
        return ExitCode(status)
    }
}

/// The order's position from its `progress` events, one line rewritten in place on the terminal.
final class BusProgressLine: Sendable {
    private let enabled: Bool
    private let shown = Mutex(false)

    init(enabled: Bool) { self.enabled = enabled }

    func show(_ event: WorkerEvent) {
        guard enabled else { return }
        let line: String
        if let p = event.progress {
            line = "\r\(p.mailbox): \(p.messagesDone)/\(p.messagesTotal) msgs, \(formatBytes(p.bytesDone))/\(formatBytes(p.bytesTotal)) on \(event.worker)\u{1B}[K"
        } else {
            line = "\raccepted by \(event.worker)\u{1B}[K"
        }
        shown.withLock { $0 = true }
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        guard enabled, shown.withLock({ $0 }) else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
