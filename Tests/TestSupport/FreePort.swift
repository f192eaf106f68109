import Foundation
import Synchronization

/// Ports already handed out in this process: the kernel may give the same free port to two
/// parallel tests (or twice to one server) before either server has bound it.
private let handedOutPorts = Mutex(Set<Int>())

/// Finds a TCP port on 127.0.0.1 that nothing listens on, by binding port 0 and reading it back.
/// The port is released before returning, so a server started right after can take it; a port is
/// never returned twice by one process.
public func freeLoopbackPort() throws -> Int {
    for _ in 0..<64 {
        let port = try kernelFreeLoopbackPort()
        if handedOutPorts.withLock({ $0.insert(port).inserted }) { return port }
    }
    throw POSIXError(.EADDRINUSE)
}

private func kernelFreeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EMFILE) }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// Waits until something accepts TCP connections on 127.0.0.1:`port`. With `server`, fails as soon
/// as that process has exited (a port taken meanwhile by someone else), quoting its stderr.
public func waitForLoopbackPort(_ port: Int, server: ChildProcess? = nil,
                                timeout: Duration = .seconds(20)) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if let server, !server.isRunning {
            throw TestHarnessError("server exited before listening on 127.0.0.1:\(port): \(server.stderr.suffix(2000))")
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        close(fd)
        if rc == 0 { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw TestHarnessError("nothing listens on 127.0.0.1:\(port) after \(timeout)")
}

public struct TestHarnessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
