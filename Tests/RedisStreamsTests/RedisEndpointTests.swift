import RedisStreams
import Testing

struct RedisEndpointTests {
    @Test func tcpWithDefaults() throws {
        let endpoint = try RedisEndpoint(url: "redis://localhost")
        #expect(endpoint.address == .tcp(host: "localhost", port: 6379))
        #expect(endpoint.username == nil)
        #expect(endpoint.password == nil)
        #expect(endpoint.database == 0)
    }

    @Test func tcpWithUserPasswordPortAndDatabase() throws {
        let endpoint = try RedisEndpoint(url: "redis://worker:s%40cret:x@10.0.0.5:6380/3")
        #expect(endpoint.address == .tcp(host: "10.0.0.5", port: 6380))
        #expect(endpoint.username == "worker")
        #expect(endpoint.password?.value == "s@cret:x")
        #expect(endpoint.database == 3)
    }

    @Test func passwordOnlyForms() throws {
        #expect(try RedisEndpoint(url: "redis://:pw@h:1").password?.value == "pw")
        #expect(try RedisEndpoint(url: "redis://:pw@h:1").username == nil)
        #expect(try RedisEndpoint(url: "redis://pw@h:1").password?.value == "pw")
    }

    @Test func ipv6Host() throws {
        #expect(try RedisEndpoint(url: "redis://[::1]:7000/2").address == .tcp(host: "::1", port: 7000))
    }

    @Test func unixSockets() throws {
        #expect(try RedisEndpoint(url: "unix:///run/redis.sock").address == .unix(path: "/run/redis.sock"))
        let withAuth = try RedisEndpoint(url: "redis+unix://u:p@/tmp/r.sock?db=4")
        #expect(withAuth.address == .unix(path: "/tmp/r.sock"))
        #expect(withAuth.username == "u")
        #expect(withAuth.password?.value == "p")
        #expect(withAuth.database == 4)
    }

    @Test func redissIsRefusedBecauseHiredis014HasNoTLS() throws {
        #expect(throws: RedisError.tlsUnsupported) { try RedisEndpoint(url: "rediss://:pw@cache.example:6380") }
        #expect(RedisError.tlsUnsupported.description.contains("hiredis"))
        #expect(RedisError.tlsUnsupported.description.contains("TLS"))
    }

    @Test func invalidURLs() throws {
        for url in ["localhost:6379", "http://x", "redis://h:0", "redis://h:99999", "redis://h/x", "unix://relative.sock", "redis://:%zz@h"] {
            #expect(throws: RedisError.self) { try RedisEndpoint(url: url) }
        }
    }

    @Test func passwordNeverShown() throws {
        let endpoint = try RedisEndpoint(url: "redis://worker:hunter2@h:1/2")
        #expect(!endpoint.description.contains("hunter2"))
        #expect(!"\(endpoint)".contains("hunter2"))
        #expect(!String(reflecting: endpoint.password).contains("hunter2"))
        do {
            _ = try RedisEndpoint(url: "redis://:hunter2@h:notaport")
            Issue.record("a bad port must be refused")
        } catch {
            #expect(!"\(error)".contains("hunter2"))
        }
    }

    @Test func backoffDoublesUpToTheMaximum() {
        let backoff = ReconnectBackoff(initial: .milliseconds(100), maximum: .seconds(1), giveUpAfter: nil)
        #expect(backoff.nominalDelay(afterFailures: 0) == .zero)
        #expect(backoff.nominalDelay(afterFailures: 1) == .milliseconds(100))
        #expect(backoff.nominalDelay(afterFailures: 2) == .milliseconds(200))
        #expect(backoff.nominalDelay(afterFailures: 4) == .milliseconds(800))
        #expect(backoff.nominalDelay(afterFailures: 5) == .seconds(1))
        #expect(backoff.nominalDelay(afterFailures: 500) == .seconds(1))
    }
}
