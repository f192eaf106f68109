import ArgumentParser
import IMAPClient

/// How a command that can run on a worker reaches one.
struct BusOptions: ParsableArguments {
    @Flag(name: .long, help: "Run the job in this process, against the local store, instead of sending an order to a running worker.")
    var local = false

    @Option(name: .long, help: "nats or redis: the bus to send the order on when both are configured (default: NATS).")
    var bus: OrderBuses.Kind?

    @Option(name: .long, help: "Seconds to wait for the final event (default: worker.job_timeout_seconds + 60).")
    var timeout: Int?

    @Flag(name: .long, help: "With --local: print the IMAP traffic on stderr (\"remote: C: …\"), literals elided, credentials redacted unless given twice.")
    var debug: Int

    func validate() throws {
        if debug > 0, !local { throw ValidationError("--debug goes with --local (a worker's traffic is not shown here)") }
    }

    /// The remote session's trace for `--debug`, nil without it.
    var wireTrace: IMAPWireTrace? { WireTraceOutput.standardError(debug: debug, label: "remote") }
}

extension OrderBuses.Kind: ExpressibleByArgument {}
