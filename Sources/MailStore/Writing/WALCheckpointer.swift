import CShims
import Dispatch
import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// Copies the write-ahead log back into the database file on a thread and connection of its own,
/// so that a commit never waits for a checkpoint's copying and fsyncs (SQLite's automatic
/// checkpoint runs them inside the commit that crosses the threshold).
///
/// Every connection of the store reports its commits here (`sqlite3_wal_hook`, which also turns
/// SQLite's automatic checkpoint off); once the log holds `thresholdBytes` of pages, a PASSIVE
/// checkpoint runs: it never blocks writers or readers, and the next write restarts the log
/// from its beginning once everything is copied. Should the log reach four times the threshold
/// (the writer never paused), the committing connection checkpoints inline, so the file stays
/// bounded. Crash safety is SQLite's: the log is synced before pages are copied, the database after.
final class WALCheckpointer: Sendable {
    private struct State {
        var requested = false
        var stopped = false
        var waiting = false
        var connection: OpaquePointer?
    }

    let path: String
    let thresholdBytes: Int
    /// `thresholdBytes` in pages of this database (set from the page size each connection reports).
    private let thresholdFrames = Atomic<Int32>(4096)
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let ended = DispatchSemaphore(value: 0)
    /// One checkpoint at a time (SQLite refuses a second one with SQLITE_BUSY): the inline catch-up
    /// waits for the background pass to end, then copies what is left.
    private let pass = DispatchSemaphore(value: 1)

    init(path: String, thresholdBytes: Int) {
        self.path = path
        self.thresholdBytes = thresholdBytes
        let thread = Thread { [self] in
            cshim_set_thread_name("store-checkpt")
            run()
        }
        thread.start()
    }

    /// Installs the commit hook on one of the store's connections, whose file has `pageSize` pages.
    func observe(_ db: Database, pageSize: Int) {
        thresholdFrames.store(Int32(clamping: max(1, thresholdBytes / max(1, pageSize))), ordering: .relaxed)
        sqlite3_wal_hook(db.sqliteConnection, { context, connection, _, frames in
            guard let context else { return SQLITE_OK }
            let checkpointer = Unmanaged<WALCheckpointer>.fromOpaque(context).takeUnretainedValue()
            checkpointer.committed(frames: frames)
            // A writer that never pauses keeps the background pass from ever catching up, so the
            // log would never restart: past 4x the threshold the committing connection copies the
            // rest itself (what SQLite's own automatic checkpoint does at every threshold).
            if frames >= checkpointer.thresholdFrames.load(ordering: .relaxed).multipliedReportingOverflow(by: 4).partialValue {
                checkpointer.onePass { sqlite3_wal_checkpoint_v2(connection, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil) }
            }
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Copies what is left into the database, truncates the log and ends the thread; returns when
    /// done. The store closes its own connections first, so this one is the last.
    func stop() {
        if state.withLock({ state in
            state.stopped = true
            defer { state.waiting = false }
            return state.waiting
        }) { wake.signal() }
        ended.wait()
    }

    /// A pass now, whatever the log holds (a caller about to close starts the copying early).
    func request() { wakeForPass() }

    private func committed(frames: Int32) {
        guard frames >= thresholdFrames.load(ordering: .relaxed) else { return }
        wakeForPass()
    }

    private func wakeForPass() {
        if state.withLock({ state in
            state.requested = true
            defer { state.waiting = false }
            return state.waiting
        }) { wake.signal() }
    }

    private func run() {
        while true {
            let (go, stop) = state.withLock { state -> (Bool, Bool) in
                if state.stopped { return (false, true) }
                if state.requested {
                    state.requested = false
                    return (true, false)
                }
                state.waiting = true
                return (false, false)
            }
            if stop { break }
            if go { checkpoint(SQLITE_CHECKPOINT_PASSIVE) } else { wake.wait() }
        }
        checkpoint(SQLITE_CHECKPOINT_TRUNCATE)
        state.withLock { state in
            if let connection = state.connection { sqlite3_close_v2(connection) }
            state.connection = nil
        }
        ended.signal()
    }

    private func checkpoint(_ mode: Int32) {
        let connection = state.withLock { state -> OpaquePointer? in
            if state.connection == nil {
                var db: OpaquePointer?
                if sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK {
                    sqlite3_exec(db, "PRAGMA synchronous = NORMAL", nil, nil, nil)
                    state.connection = db
                } else {
                    sqlite3_close_v2(db)
                }
            }
            return state.connection
        }
        // A failure (busy with another checkpoint, I/O) leaves the log to the next request or to
        // the checkpoint SQLite runs when the last connection closes; nothing is lost either way.
        if let connection { onePass { sqlite3_wal_checkpoint_v2(connection, nil, mode, nil, nil) } }
    }

    fileprivate func onePass(_ checkpoint: () -> Int32) {
        pass.wait()
        _ = checkpoint()
        pass.signal()
    }
}
