import Testing
import TestSupport
@testable import NATS

@Suite(.timeLimit(.minutes(1)))
struct ClusterTests {
    /// The client only knows server A; A's INFO announces B (connect_urls); when A goes away the
    /// client reconnects to B and its subscription works there.
    @Test func serversAnnouncedByTheClusterAreUsedOnReconnect() async throws {
        let routeA = try freeLoopbackPort()
        let routeB = try freeLoopbackPort()
        let serverA = try await NATSServer(arguments: ["--cluster_name", "imapworker-test",
                                                       "--cluster", "nats://127.0.0.1:\(routeA)",
                                                       "--routes", "nats://127.0.0.1:\(routeB)"])
        let serverB = try await NATSServer(arguments: ["--cluster_name", "imapworker-test",
                                                       "--cluster", "nats://127.0.0.1:\(routeB)",
                                                       "--routes", "nats://127.0.0.1:\(routeA)"])
        var options = testOptions(serverA.url)
        options.maxReconnectAttempts = nil
        let client = try await NATSClient.connect(options)
        var events = client.events.makeAsyncIterator()
        try await eventually { client.knownServers.contains("nats://127.0.0.1:\(serverB.port)") }

        let subscription = try client.subscribe("cluster.test")
        try await client.flush()
        try await serverA.stop()
        let reconnected = await nextEvent(&events) { $0.isReconnected }
        #expect(reconnected == .reconnected(server: "nats://127.0.0.1:\(serverB.port)"))
        try await client.publish("cluster.test", payload: "via B")
        var iterator = subscription.makeAsyncIterator()
        #expect(await iterator.next()?.string == "via B")
        await client.close()
    }
}
