import NIOCore

extension EventLoopFuture where Value: Sendable {
    /// Like `get()`, but resumes on the caller's executor: no hop through the global pool when
    /// the caller runs on the event loop.
    nonisolated(nonsending) func value() async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            whenComplete { continuation.resume(with: $0) }
        }
    }
}
