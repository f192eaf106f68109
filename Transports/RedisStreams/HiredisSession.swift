import CHiredis
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One blocking hiredis context (`redisConnectWithTimeout` + `redisAppendCommandArgv` +
/// `redisGetReply`). It blocks in `read(2)`/`write(2)`, so it lives on, and is only ever touched by,
/// the dedicated thread of its `RedisConnection`; it is deliberately not `Sendable`.
final class HiredisSession {
    private let context: UnsafeMutablePointer<redisContext>
    private var timeout: Duration?

    /// Connects, then runs AUTH and SELECT as the endpoint asks.
    init(endpoint: RedisEndpoint, connectTimeout: Duration) throws(RedisError) {
        let tv = timeval(connectTimeout)
        let made: UnsafeMutablePointer<redisContext>?
        switch endpoint.address {
        case .tcp(let host, let port): made = redisConnectWithTimeout(host, Int32(port), tv)
        case .unix(let path): made = redisConnectUnixWithTimeout(path, tv)
        }
        guard let made else { throw .connectFailed("cannot allocate a hiredis context") }
        if made.pointee.err != 0 {
            let why = Self.errorText(made)
            redisFree(made)
            throw .connectFailed(why)
        }
        context = made
        // TCP keepalive notices a vanished server on an idle connection; unix sockets have none
        // (hiredis would flag the context as failed).
        if case .tcp = endpoint.address { _ = redisEnableKeepAlive(made) }
        if let password = endpoint.password {
            var auth: RedisCommand = ["AUTH"]
            if let user = endpoint.username { auth.append(user) }
            auth.append(password.value)
            append(auth)
            // Redis's AUTH errors (WRONGPASS, "called without any password configured") never echo the password.
            if let message = try readReply().errorMessage { throw .authenticationFailed(message) }
        }
        if endpoint.database != 0 {
            append(["SELECT", String(endpoint.database)])
            if let message = try readReply().errorMessage { throw .server(message) }
        }
    }

    deinit { redisFree(context) }

    /// Sets the socket's send/receive timeout (SO_SNDTIMEO/SO_RCVTIMEO) if it differs from the current one.
    func setTimeout(_ duration: Duration) {
        guard timeout != duration else { return }
        timeout = duration
        _ = redisSetTimeout(context, timeval(duration))
    }

    /// Formats `command` into hiredis's output buffer; nothing is written until `readReply`.
    func append(_ command: RedisCommand) {
        let arguments = command.arguments
        let lengths = arguments.map(\.count)
        // One contiguous copy gives every argument a stable address for the duration of the call.
        var flat: [UInt8] = []
        flat.reserveCapacity(lengths.reduce(1, +))
        var offsets: [Int] = []
        offsets.reserveCapacity(arguments.count)
        for argument in arguments {
            offsets.append(flat.count)
            flat.append(contentsOf: argument)
        }
        flat.append(0)
        flat.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var argv: [UnsafePointer<CChar>?] = offsets.map { (base + $0).assumingMemoryBound(to: CChar.self) }
            argv.withUnsafeMutableBufferPointer { argvBuffer in
                lengths.withUnsafeBufferPointer { lengthBuffer in
                    _ = redisAppendCommandArgv(context, Int32(arguments.count), argvBuffer.baseAddress, lengthBuffer.baseAddress)
                }
            }
        }
    }

    /// Flushes what was appended (first call) and reads the next reply. Any failure leaves the
    /// context unusable: the caller drops the session.
    func readReply() throws(RedisError) -> RESPValue {
        var raw: UnsafeMutableRawPointer?
        let rc = redisGetReply(context, &raw)
        guard rc == REDIS_OK, let raw else {
            let err = context.pointee.err
            let savedErrno = errno
            if err == REDIS_ERR_IO && (savedErrno == EAGAIN || savedErrno == EWOULDBLOCK) { throw .timeout }
            if err == REDIS_ERR_EOF { throw .connectionLost("server closed the connection") }
            if err == REDIS_ERR_PROTOCOL { throw .protocolError(Self.errorText(context)) }
            throw .connectionLost(Self.errorText(context))
        }
        return RESPValue.takeOwnership(of: raw)
    }

    private static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { cString(from: $0) }
    }
}

extension timeval {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self.init(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}
