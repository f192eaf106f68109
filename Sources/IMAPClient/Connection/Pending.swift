import NIOCore

/// A command that was sent (or queued to be sent) at once; await ``value`` whenever convenient.
/// Creating many before awaiting the first pipelines them on the one connection.
public struct Pending<Value: Sendable>: Sendable {
    let resolve: @Sendable () async throws -> Value

    init(_ resolve: @escaping @Sendable () async throws -> Value) { self.resolve = resolve }

    init(outcome: EventLoopFuture<CommandOutcome>, transform: @escaping @Sendable (CommandOutcome) throws -> Value) {
        resolve = { try transform(try await outcome.get()) }
    }

    /// A command refused before it was sent.
    static func failed(_ error: IMAPClientError) -> Pending { Pending { throw error } }

    /// The command's result; throws `commandFailed` for a NO/BAD, or the session's error.
    public var value: Value {
        get async throws { try await resolve() }
    }
}

/// A FETCH whose responses stream: iterate ``parts`` (it ends after the tagged OK, and throws
/// for a NO/BAD or a broken session). Stopping early (throwing from the loop, or dropping the
/// iterator) is safe: the rest of this FETCH is read and discarded, later commands get only
/// their own data. A slow consumer stops socket reads (memory stays bounded).
public struct FetchStream: AsyncSequence, Sendable {
    public typealias Element = FetchPart
    typealias Producer = NIOThrowingAsyncSequenceProducer<FetchPart, any Error,
        NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, StreamDemand>

    /// Parts held ahead of a slow consumer: a part is at most one network read (≤ 64 KiB here).
    /// When the store is slower than the network, every stream in flight sits at its high
    /// watermark: 16 parts (≤ 1 MiB) each bound that memory (64 allowed 4 MiB per stream). The
    /// kernel's socket buffer keeps the download going while reads pause.
    static let lowWatermark = 4
    static let highWatermark = 16

    let producer: Producer
    /// The tagged response (await it when the parts are not consumed).
    public let completion: Pending<Void>

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Producer.AsyncIterator
        public mutating func next() async throws -> FetchPart? { try await base.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: producer.makeAsyncIterator()) }
}
