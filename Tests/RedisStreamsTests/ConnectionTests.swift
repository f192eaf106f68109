import Foundation
import RedisStreams
import Testing
import TestSupport

/// Connections against real redis-servers: AUTH (password and ACL user), SELECT, unix sockets, TLS refusal.
struct ConnectionTests {
    @Test func pipelinedCommandsAndSelect() async throws {
        let server = try await RedisServer()
        let db3 = try await RedisConnection.connect(try RedisConnectionConfiguration(url: server.url + "/3"))
        defer { db3.close() }
        let replies = try await db3.send([["SET", "k", "v"], ["GET", "k"], ["INCR", "n"], ["INCR", "n"], ["GET", "missing"]])
        #expect(replies == [.simpleString("OK"), .bulkString(Array("v".utf8)), .integer(1), .integer(2), .null])
        let db0 = try await server.connect()
        defer { db0.close() }
        #expect(try await db0.run("DBSIZE") == .integer(0))
        #expect(try await db0.run("SELECT", "3") == .simpleString("OK"))
        #expect(try await db0.run("DBSIZE") == .integer(2))
    }

    @Test func errorRepliesAreValuesNotFailures() async throws {
        let server = try await RedisServer()
        let connection = try await server.connect()
        defer { connection.close() }
        let replies = try await connection.send([["NOSUCHCOMMAND"], ["PING"]])
        #expect(replies[0].errorMessage?.hasPrefix("ERR") == true)
        #expect(replies[1] == .simpleString("PONG"))
    }

    @Test func unixSocket() async throws {
        let server = try await RedisServer()
        let connection = try await RedisConnection.connect(try RedisConnectionConfiguration(url: "unix://" + server.socketPath))
        defer { connection.close() }
        #expect(try await connection.run("PING") == .simpleString("PONG"))
        let alias = try await RedisConnection.connect(try RedisConnectionConfiguration(url: "redis+unix://" + server.socketPath + "?db=2"))
        defer { alias.close() }
        #expect(try await alias.run("SET", "x", "1") == .simpleString("OK"))
        #expect(try await connection.run("DBSIZE") == .integer(0))
    }

    @Test func passwordAuthentication() async throws {
        let server = try await RedisServer(config: ["requirepass s3cret-pw"])
        let good = try await RedisConnection.connect(try RedisConnectionConfiguration(url: "redis://:s3cret-pw@127.0.0.1:\(server.port)"))
        defer { good.close() }
        #expect(try await good.run("PING") == .simpleString("PONG"))

        do {
            let bad = try await RedisConnection.connect(try RedisConnectionConfiguration(url: "redis://:wrong-pw-123@127.0.0.1:\(server.port)"))
            bad.close()
            Issue.record("a wrong password must be refused")
        } catch let error as RedisError {
            guard case .authenticationFailed = error else { Issue.record("expected authenticationFailed, got \(error)"); return }
            #expect(!error.description.contains("wrong-pw-123"))
            #expect(!"\(error)".contains("wrong-pw-123"))
        }

        // Without a password, commands are refused by the server (an error reply, not a crash).
        let anonymous = try? await RedisConnection.connect(try RedisConnectionConfiguration(url: server.url))
        #expect(anonymous == nil)
    }

    @Test func aclUserAuthentication() async throws {
        let server = try await RedisServer()
        let admin = try await server.connect()
        defer { admin.close() }
        try await admin.run("ACL", "SETUSER", "worker", "on", ">worker-pw", "~imapworker:*", "+@all")
        let worker = try await RedisConnection.connect(try RedisConnectionConfiguration(url: "redis://worker:worker-pw@127.0.0.1:\(server.port)"))
        defer { worker.close() }
        #expect(try await worker.run("ACL", "WHOAMI") == .bulkString(Array("worker".utf8)))
        #expect(try await worker.send(["SET", "other:key", "1"]).errorMessage?.hasPrefix("NOPERM") == true)

        await #expect(throws: RedisError.self) {
            try await RedisConnection.connect(try RedisConnectionConfiguration(url: "redis://worker:nope@127.0.0.1:\(server.port)"))
        }
    }

    @Test func redissURLIsRefusedBeforeAnyConnection() async throws {
        #expect(throws: RedisError.tlsUnsupported) { try RedisConnectionConfiguration(url: "rediss://127.0.0.1:6380") }
        #expect(throws: RedisError.tlsUnsupported) { try RedisStreamsConfiguration(url: "rediss://:pw@127.0.0.1:6380", consumer: "c") }
    }

    @Test func nothingListeningFailsWithConnectError() async throws {
        let port = try freeLoopbackPort()
        await #expect(throws: RedisError.self) {
            try await RedisConnection.connect(try RedisConnectionConfiguration(url: "redis://127.0.0.1:\(port)"))
        }
    }

    @Test func reconnectsAfterTheServerDroppedTheConnection() async throws {
        let server = try await RedisServer()
        let connection = try await server.connect()
        defer { connection.close() }
        let admin = try await server.connect()
        defer { admin.close() }
        try await connection.run("CLIENT", "SETNAME", "victim")
        try await admin.run("CLIENT", "KILL", "SKIPME", "yes")
        // The next command finds the connection dead; the one after runs on a new connection.
        var recovered = false
        for _ in 0..<3 where !recovered {
            if let reply = try? await connection.send(RedisCommand("PING")), reply == .simpleString("PONG") { recovered = true }
        }
        #expect(recovered)
    }

    @Test func commandTimeoutDropsTheConnection() async throws {
        let server = try await RedisServer()
        var configuration = try RedisConnectionConfiguration(url: server.url)
        configuration.commandTimeout = .milliseconds(200)
        let connection = try await RedisConnection.connect(configuration)
        defer { connection.close() }
        // BLOCK longer than the socket timeout, with no extra allowance: the read times out.
        await #expect(throws: RedisError.timeout) {
            try await connection.send(["XREAD", "BLOCK", "2000", "STREAMS", "nothing", "$"])
        }
        // With the block time as extra allowance it waits for Redis's own nil reply.
        #expect(try await connection.send(["XREAD", "BLOCK", "300", "STREAMS", "nothing", "$"], extraTimeout: .milliseconds(300)) == .null)
    }
}
