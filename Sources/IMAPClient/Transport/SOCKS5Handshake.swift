import NIOCore

/// The client side of a SOCKS5 handshake (RFC 1928) with optional username/password
/// authentication (RFC 1929), as a pure state machine: feed it the proxy's bytes, write what it returns.
struct SOCKS5Handshake {
    enum Target: Equatable {
        case domain(String, port: Int)
        case ipv4([UInt8], port: Int)
        case ipv6([UInt8], port: Int)
    }

    enum Step: Equatable {
        case needMoreBytes
        case send([UInt8])
        case established
    }

    private enum State { case idle, greetingSent, authSent, connectSent, established }

    private let target: Target
    private let username: String?
    private let password: String?
    private var state = State.idle

    init(target: Target, username: String?, password: String?) {
        self.target = target
        self.username = username
        self.password = password
    }

    /// The greeting: the methods we accept (no authentication, and username/password if we have it).
    mutating func start() -> [UInt8] {
        state = .greetingSent
        return username == nil ? [0x05, 0x01, 0x00] : [0x05, 0x02, 0x00, 0x02]
    }

    mutating func receive(_ buffer: inout ByteBuffer) throws(IMAPClientError) -> Step {
        switch state {
        case .idle, .established:
            throw .proxy("unexpected bytes from the proxy")
        case .greetingSent:
            guard let reply = buffer.readBytes(length: 2) else { return .needMoreBytes }
            guard reply[0] == 0x05 else { throw .proxy("not a SOCKS5 proxy (version \(reply[0]))") }
            switch reply[1] {
            case 0x00:
                state = .connectSent
                return .send(try connectRequest())
            case 0x02:
                guard let username, let password else { throw .proxy("the proxy requires a username and password") }
                let u = Array(username.utf8), p = Array(password.utf8)
                guard u.count <= 255, p.count <= 255 else { throw .proxy("proxy username or password longer than 255 bytes") }
                state = .authSent
                return .send([0x01, UInt8(u.count)] + u + [UInt8(p.count)] + p)
            case 0xFF:
                throw .proxy("the proxy accepts none of our authentication methods")
            default:
                throw .proxy("the proxy chose an unsupported authentication method \(reply[1])")
            }
        case .authSent:
            guard let reply = buffer.readBytes(length: 2) else { return .needMoreBytes }
            guard reply[1] == 0x00 else { throw .proxy("the proxy refused the username or password") }
            state = .connectSent
            return .send(try connectRequest())
        case .connectSent:
            // VER REP RSV ATYP BND.ADDR BND.PORT: the length depends on ATYP.
            guard buffer.readableBytes >= 5, let head = buffer.getBytes(at: buffer.readerIndex, length: 5) else {
                return .needMoreBytes
            }
            guard head[0] == 0x05 else { throw .proxy("bad SOCKS5 reply version \(head[0])") }
            guard head[1] == 0x00 else { throw .proxy(Self.replyText(head[1])) }
            let addressLength: Int
            switch head[3] {
            case 0x01: addressLength = 4
            case 0x04: addressLength = 16
            case 0x03: addressLength = 1 + Int(head[4])
            default: throw .proxy("bad address type \(head[3]) in the proxy's reply")
            }
            let total = 4 + addressLength + 2
            guard buffer.readableBytes >= total else { return .needMoreBytes }
            buffer.moveReaderIndex(forwardBy: total)
            state = .established
            return .established
        }
    }

    private func connectRequest() throws(IMAPClientError) -> [UInt8] {
        var out: [UInt8] = [0x05, 0x01, 0x00]
        let port: Int
        switch target {
        case .domain(let host, let p):
            let bytes = Array(host.utf8)
            guard !bytes.isEmpty, bytes.count <= 255 else { throw .proxy("host name too long for SOCKS5") }
            out += [0x03, UInt8(bytes.count)] + bytes
            port = p
        case .ipv4(let bytes, let p):
            out += [0x01] + bytes
            port = p
        case .ipv6(let bytes, let p):
            out += [0x04] + bytes
            port = p
        }
        out += [UInt8(port >> 8), UInt8(port & 0xFF)]
        return out
    }

    static func replyText(_ code: UInt8) -> String {
        switch code {
        case 0x01: "the proxy reports a general failure"
        case 0x02: "the proxy's rules forbid this connection"
        case 0x03: "the proxy reports: network unreachable"
        case 0x04: "the proxy reports: host unreachable"
        case 0x05: "the proxy reports: connection refused"
        case 0x06: "the proxy reports: TTL expired"
        case 0x07: "the proxy does not support CONNECT"
        case 0x08: "the proxy does not support this address type"
        default: "the proxy refused the connection (code \(code))"
        }
    }
}
