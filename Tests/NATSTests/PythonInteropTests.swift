import Foundation
import Testing
import TestSupport
@testable import NATS

/// Interop with a client no one here wrote: nats-py from PyPI (virtualenv of scripts/pyenv.sh).
@Suite(.timeLimit(.minutes(2)))
struct PythonInteropTests {
    /// nats-py sends requests (with a header); our client answers them.
    @Test func pythonRequesterOurResponder() async throws {
        let server = try await NATSServer()
        let client = try await NATSClient.connect(testOptions(server.url))
        let service = try client.subscribe("interop.swift", queue: "responders")
        try await client.flush()
        let serving = Task {
            for await request in service {
                guard let replyTo = request.replyTo else { continue }
                var headers = NATSHeaders()
                headers.append("Echo-Id", request.headers?["Request-Id"] ?? "none")
                try await client.publish(replyTo, payload: "swift:" + request.string, headers: headers)
            }
        }
        let script = """
        import asyncio, sys, nats
        async def main():
            nc = await nats.connect(sys.argv[1])
            for i in range(20):
                msg = await nc.request("interop.swift", f"ping-{i}".encode(), timeout=5, headers={"Request-Id": f"id-{i}"})
                print(msg.data.decode(), msg.headers.get("Echo-Id"))
            await nc.close()
        asyncio.run(main())
        """
        let output = try await runPython(script, server.url)
        #expect(output == (0..<20).map { "swift:ping-\($0) id-\($0)" })
        serving.cancel()
        await client.close()
    }

    /// nats-py answers; our client sends the requests.
    @Test func ourRequesterPythonResponder() async throws {
        let server = try await NATSServer()
        let directory = try TemporaryDirectory(prefix: "nats-py")
        let scriptPath = directory.file("responder.py")
        try """
        import asyncio, sys, nats
        async def main():
            nc = await nats.connect(sys.argv[1])
            async def handler(msg):
                headers = {"Seen-Id": (msg.headers or {}).get("Request-Id", "none")}
                await nc.publish(msg.reply, b"python:" + msg.data.upper(), headers=headers)
            await nc.subscribe("interop.python", cb=handler)
            await nc.flush()
            print("ready", flush=True)
            await asyncio.sleep(3600)
        asyncio.run(main())
        """.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        let responder = try ChildProcess(testPython, [scriptPath, server.url], logDirectory: directory.path, name: "responder")
        try await eventually { responder.stdout.contains("ready") || !responder.isRunning }
        #expect(responder.isRunning, "responder exited: \(responder.stderr)")

        let client = try await NATSClient.connect(testOptions(server.url))
        for index in 0..<20 {
            var headers = NATSHeaders()
            headers.append("Request-Id", "r\(index)")
            let answer = try await client.request("interop.python", payload: Array("hello \(index)".utf8), headers: headers)
            #expect(answer.string == "python:HELLO \(index)")
            #expect(answer.headers?["Seen-Id"] == "r\(index)")
        }
        await client.close()
        responder.signal(SIGKILL)
    }

    private func runPython(_ script: String, _ argument: String) async throws -> [String] {
        let directory = try TemporaryDirectory(prefix: "nats-py")
        let path = directory.file("script.py")
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await runCommand(testPython, [path, argument])
        #expect(result.status == 0, "python failed: \(result.stderr)")
        return result.stdout.split(separator: "\n").map(String.init)
    }
}
