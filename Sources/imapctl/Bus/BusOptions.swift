import ArgumentParser

/// How a command that can run on a worker reaches one.
struct BusOptions: ParsableArguments {
    @Flag(name: .long, help: "Run the job in this process, against the local store, instead of sending an order to a running worker.")
    var local = false

    @Option(name: .long, help: "nats or redis: the bus to send the order on when both are configured (default: NATS).")
    var bus: OrderBuses.Kind?

    @Option(name: .long, help: "Seconds to wait for the final event (default: worker.job_timeout_seconds + 60).")
    var timeout: Int?
}

extension OrderBuses.Kind: ExpressibleByArgument {}
