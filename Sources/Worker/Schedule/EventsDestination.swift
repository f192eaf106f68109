import BusTransport
import Logging

/// The events destinations of every transport (NATS `nats.events_subject`, Redis
/// `redis.events_stream`): where the events of runs nobody ordered (scheduled, push) go.
public struct EventsDestination: Sendable {
    let transports: [any OrderTransport]
    let logger: Logger

    public init(transports: [any OrderTransport], logger: Logger) {
        self.transports = transports
        self.logger = logger
    }

    public func publish(_ event: WorkerEvent) async {
        let bytes = event.encoded()
        for transport in transports {
            do { try await transport.publishEvent(bytes) } catch {
                logger.warning("cannot publish event", metadata: ["event": "\(event.event.rawValue)", "error": "\(error)"])
            }
        }
    }
}
