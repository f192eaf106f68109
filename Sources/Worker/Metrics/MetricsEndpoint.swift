import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// `GET /metrics` (Prometheus text format) and `GET /health` on a small HTTP/1.1 server; runs
/// until its task is cancelled.
public struct MetricsEndpoint: Sendable {
    public var host: String
    public var port: Int
    /// Prometheus exposition text.
    public var metrics: @Sendable () -> [UInt8]
    /// Status code and JSON body for `/health`.
    public var health: @Sendable () async -> (HTTPResponseStatus, String)
    let logger: Logger

    public init(host: String, port: Int, metrics: @escaping @Sendable () -> [UInt8],
                health: @escaping @Sendable () async -> (HTTPResponseStatus, String), logger: Logger) {
        self.host = host
        self.port = port
        self.metrics = metrics
        self.health = health
        self.logger = logger
    }

    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    public func run() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try Connection(wrappingChannelSynchronously: channel)
                }
            }
        logger.info("metrics endpoint listening", metadata: ["address": "\(host):\(port)"])
        try await withThrowingDiscardingTaskGroup { group in
            try await server.executeThenClose { connections in
                for try await connection in connections {
                    group.addTask { try? await serve(connection) }
                }
            }
        }
    }

    private func serve(_ connection: Connection) async throws {
        try await connection.executeThenClose { inbound, outbound in
            var path = ""
            for try await part in inbound {
                switch part {
                case .head(let head):
                    path = head.uri
                case .body:
                    break
                case .end:
                    let (status, type, body) = await answer(path)
                    var headers = HTTPHeaders()
                    headers.add(name: "Content-Type", value: type)
                    headers.add(name: "Content-Length", value: String(body.count))
                    try await outbound.write(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers)))
                    try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
                    try await outbound.write(.end(nil))
                }
            }
        }
    }

    private func answer(_ path: String) async -> (HTTPResponseStatus, String, [UInt8]) {
        switch path.split(separator: "?").first.map(String.init) ?? path {
        case "/metrics":
            return (.ok, "text/plain; version=0.0.4", metrics())
        case "/health":
            let (status, body) = await health()
            return (status, "application/json", Array(body.utf8))
        default:
            return (.notFound, "text/plain", Array("not found\n".utf8))
        }
    }
}
