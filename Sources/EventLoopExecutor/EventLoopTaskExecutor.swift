import NIOCore

/// Runs Swift tasks on a NIO event loop: jobs, including resumed continuations, are enqueued
/// straight onto the loop instead of the global pool. A task that consumes a channel's stream
/// (`withTaskExecutorPreference(executor) { … }`) then resumes on the thread that produced the
/// element, without waking a pool thread for every one.
public final class EventLoopTaskExecutor: TaskExecutor {
    public let eventLoop: any EventLoop

    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
