import Foundation
import RedisStreams
import Testing
import TestSupport

/// A client no one here wrote (redis-py, from PyPI in a throwaway virtualenv) adds orders and
/// reads the events our consumer writes.
struct InteropTests {
    @Test func redisPyAddsOrdersAndReadsTheEvents() async throws {
        let server = try await RedisServer()
        let admin = try await server.connect()
        defer { admin.close() }
        // Default configuration: the consumer creates the group at "$", so Python adds orders once it exists.
        var configuration = try RedisStreamsConfiguration(url: server.url, consumer: "interop")
        configuration.block = .milliseconds(200)
        let pool = WorkerPool(ledger: Ledger())
        pool.start(configuration)
        let script = """
        import json, sys, time, redis
        r = redis.Redis(host="127.0.0.1", port=int(sys.argv[1]))
        ids = []
        for i in range(50):
            order = {"type": "fullfetch", "n": i}
            if i % 2 == 0:
                order["reply_to"] = "py:replies"
            ids.append(r.xadd("imapworker:orders", {"order": json.dumps(order)}).decode())
        seen, last, deadline = set(), "0", time.time() + 60
        while len(seen) < len(ids) and time.time() < deadline:
            for _, entries in r.xread({"imapworker:events": last}, count=100, block=500) or []:
                for entry_id, fields in entries:
                    last = entry_id
                    seen.add(json.loads(fields[b"event"])["entry"])
        replies = [json.loads(f[b"event"])["entry"] for _, f in r.xrange("py:replies")]
        print(json.dumps({"added": ids, "events": sorted(seen), "replies": sorted(replies)}))
        """
        let result: (status: Int32, stdout: String, stderr: String)
        do {
            try await waitUntil("group created") {
                (try? await admin.run("XINFO", "GROUPS", RedisStreamsConfiguration.defaultStream))?.array?.isEmpty == false
            }
            result = try await runCommand(testPython, ["-c", script, String(server.port)])
        } catch {
            await pool.stop()
            throw error
        }
        await pool.stop()
        #expect(result.status == 0, "\(result.stderr)")
        let output = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: [String]])
        let added = try #require(output["added"])
        #expect(added.count == 50)
        #expect(output["events"] == added.sorted())
        #expect(output["replies"] == added.enumerated().filter { $0.offset % 2 == 0 }.map(\.element).sorted())
        #expect(try await admin.pendingCount() == 0)
    }
}
