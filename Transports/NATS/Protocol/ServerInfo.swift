import Foundation

/// The server's INFO document. Unknown fields are ignored; every field is optional on the wire.
public struct ServerInfo: Sendable, Equatable, Decodable {
    public var serverID: String = ""
    public var serverName: String = ""
    public var version: String = ""
    public var host: String = ""
    public var port: Int = 0
    /// The largest payload (headers included) the server accepts in one message.
    public var maxPayload: Int = NATSOptions.defaultMaxPayload
    public var headers: Bool = false
    public var authRequired: Bool = false
    public var tlsRequired: Bool = false
    public var tlsAvailable: Bool = false
    /// Other servers of the cluster clients may connect to (`host:port`).
    public var connectURLs: [String] = []
    /// The server is shutting down gracefully: clients should move elsewhere.
    public var lameDuckMode: Bool = false
    public var clientID: UInt64 = 0
    public var nonce: String?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case serverID = "server_id", serverName = "server_name", version, host, port
        case maxPayload = "max_payload", headers, authRequired = "auth_required"
        case tlsRequired = "tls_required", tlsAvailable = "tls_available", connectURLs = "connect_urls"
        case lameDuckMode = "ldm", clientID = "client_id", nonce
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        serverID = try c.decodeIfPresent(String.self, forKey: .serverID) ?? ""
        serverName = try c.decodeIfPresent(String.self, forKey: .serverName) ?? ""
        version = try c.decodeIfPresent(String.self, forKey: .version) ?? ""
        host = try c.decodeIfPresent(String.self, forKey: .host) ?? ""
        port = try c.decodeIfPresent(Int.self, forKey: .port) ?? 0
        maxPayload = try c.decodeIfPresent(Int.self, forKey: .maxPayload) ?? NATSOptions.defaultMaxPayload
        headers = try c.decodeIfPresent(Bool.self, forKey: .headers) ?? false
        authRequired = try c.decodeIfPresent(Bool.self, forKey: .authRequired) ?? false
        tlsRequired = try c.decodeIfPresent(Bool.self, forKey: .tlsRequired) ?? false
        tlsAvailable = try c.decodeIfPresent(Bool.self, forKey: .tlsAvailable) ?? false
        connectURLs = try c.decodeIfPresent([String].self, forKey: .connectURLs) ?? []
        lameDuckMode = try c.decodeIfPresent(Bool.self, forKey: .lameDuckMode) ?? false
        clientID = try c.decodeIfPresent(UInt64.self, forKey: .clientID) ?? 0
        nonce = try c.decodeIfPresent(String.self, forKey: .nonce)
    }

    /// Decodes the JSON argument of an INFO line.
    static func decode(_ json: some Collection<UInt8>) throws(NATSProtocolError) -> ServerInfo {
        do {
            return try JSONDecoder().decode(ServerInfo.self, from: Data(json))
        } catch {
            throw NATSProtocolError("INFO is not a valid JSON document")
        }
    }
}
