import ArgumentParser
import Foundation
import MailJobs
import Worker

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Ask every running worker for its status and print them as a table.",
        discussion: """
            The request goes to every configured bus (NATS nats.status_subject, Redis redis.status_stream) or the \
            one --bus names; answers are gathered for --wait seconds, one row per worker. Exit status 69 when no \
            worker answered.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "nats or redis: ask on this bus only (default: every configured one).")
    var bus: OrderBuses.Kind?

    @Option(name: .long, help: "Seconds to gather answers.")
    var wait: Double = 1

    func run() async throws {
        let configuration = try global.load()
        let kinds = bus.map { [$0] } ?? OrderBuses.configured(configuration)
        guard !kinds.isEmpty else { throw ValidationError(BusFailure.notConfigured.description) }
        var byWorker: [String: (WorkerStatus, [String])] = [:]
        var unreachable: [String] = []
        for kind in kinds {
            do {
                let connection = try await OrderBuses.connect(kind, configuration, logger: try global.makeLogger(configuration))
                let answers = try await connection.statuses(wait: .milliseconds(Int(wait * 1000)))
                await connection.close()
                for status in answers {
                    byWorker[status.worker, default: (status, [])].1.append(kind.rawValue)
                }
            } catch {
                unreachable.append("\(kind.rawValue): \(error)")
            }
        }
        for line in unreachable { FileHandle.standardError.write(Data("imapctl: \(line)\n".utf8)) }
        let statuses = byWorker.values.sorted { $0.0.worker < $1.0.worker }.map(\.0)
        if global.json {
            try global.printJSON(statuses)
        } else if !global.quiet, !statuses.isEmpty {
            print(StatusTable.render(statuses))
        }
        if statuses.isEmpty {
            throw OrderSubmission.fail("no worker answered on \(kinds.map(\.rawValue).joined(separator: ", ")) within \(wait) s",
                                       status: OrderSubmission.exitUnavailable)
        }
    }
}

/// Workers as rows of fixed-width columns, then each one's scheduler and push connections and
/// its running jobs.
enum StatusTable {
    static let headers = ["WORKER", "VERSION", "UPTIME", "WORKERS", "RUNNING", "QUEUE", "PEAK", "COMPLETED", "FAILED",
                          "REJECTED", "TRANSPORTS"]

    static func render(_ statuses: [WorkerStatus]) -> String {
        let rows = statuses.map { s in
            [s.worker, s.version, uptime(s.uptimeSeconds), String(s.workers), String(s.running.count), String(s.queueDepth),
             String(s.maxConcurrent), String(s.counts.completed), String(s.counts.failed), String(s.counts.rejected),
             s.transports.map { "\($0.name):\($0.state)" }.joined(separator: ",")]
        }
        let widths = headers.indices.map { column in ([headers] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }
        var lines = [line(headers)] + rows.map(line)
        for status in statuses {
            if let scheduler = status.scheduler { lines.append("  \(status.worker): " + background(scheduler, status.push)) }
            for job in status.running {
                var text = "  \(status.worker): \(job.order) \(job.orderID)"
                if let identity = job.identity { text += " \(identity)" }
                text += " since \(job.startedAt.ISO8601Format())"
                if let p = job.progress { text += " — \(p.mailbox) \(p.messagesDone)/\(p.messagesTotal)" }
                lines.append(text)
            }
        }
        return lines.joined(separator: "\n")
    }

    static func background(_ s: WorkerStatus.Scheduler, _ push: WorkerStatus.Push?) -> String {
        var text = s.intervalSeconds > 0 ? "scheduler every \(uptime(Double(s.intervalSeconds)))" : "scheduler off (push only)"
        text += ", \(s.runningScheduled) scheduled + \(s.runningPush) push running (max \(s.maxInFlight))"
        text += ", \(s.pushPending) push pending, \(s.scheduledRuns) scheduled and \(s.pushRuns) push runs"
        if let push {
            text += "; push \(push.held) held (max \(push.maxConnections)): \(push.watchingNotify) NOTIFY, "
                + "\(push.watchingIdle) IDLE, \(push.reconnecting) reconnecting"
        }
        return text
    }

    static func uptime(_ seconds: Double) -> String {
        let s = Int(seconds)
        if s >= 86400 { return "\(s / 86400)d\(s % 86400 / 3600)h" }
        if s >= 3600 { return "\(s / 3600)h\(s % 3600 / 60)m" }
        if s >= 60 { return "\(s / 60)m\(s % 60)s" }
        return "\(s)s"
    }
}
