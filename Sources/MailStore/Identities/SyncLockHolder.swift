import Foundation

/// Who holds a sync lock, written into its owner string: host, boot, process and the time that
/// process started. A lock's owner on this host and boot whose process is gone — or whose PID now
/// names a process started at another time — cannot be syncing any more: its lock is taken over
/// at once instead of after `identities.sync_lock_seconds`. From another host nothing can be
/// told, so other hosts wait for the lock to expire, as before.
public struct SyncLockHolder: Sendable, Hashable {
    public var host: String
    /// `/proc/sys/kernel/random/boot_id`: a PID and a start time mean something within one boot only.
    public var bootID: String
    public var pid: Int32
    /// Clock ticks after boot when the process started (`/proc/PID/stat`, field 22).
    public var startTicks: UInt64
    /// Tells apart two leases of one process.
    public var tag: String

    public init(host: String, bootID: String, pid: Int32, startTicks: UInt64, tag: String) {
        self.host = host
        self.bootID = bootID
        self.pid = pid
        self.startTicks = startTicks
        self.tag = tag
    }

    /// `HOST pid PID started TICKS boot BOOT-ID TAG`: still readable by a person (`imapctl remotes`).
    public var owner: String { "\(host) pid \(pid) started \(startTicks) boot \(bootID) \(tag)" }

    /// Nil for an owner string of another form (an older version's `HOST pid PID TAG`).
    public init?(owner: String) {
        let parts = owner.split(separator: " ").map(String.init)
        guard parts.count == 8, parts[1] == "pid", parts[3] == "started", parts[5] == "boot",
              let pid = Int32(parts[2]), let ticks = UInt64(parts[4]) else { return nil }
        self.init(host: parts[0], bootID: parts[6], pid: pid, startTicks: ticks, tag: parts[7])
    }

    /// This process, or nil where `/proc` does not tell (then owners are plain and locks expire).
    public static func current(tag: String) -> SyncLockHolder? {
        let pid = getpid()
        guard let bootID = bootID, let ticks = startTicks(of: pid) else { return nil }
        return SyncLockHolder(host: hostName, bootID: bootID, pid: pid, startTicks: ticks, tag: tag)
    }

    /// True only when certain: same host and boot as this process, and no process `pid` that
    /// started at `startTicks` (none at all, a zombie, or another one).
    public var isGoneOnThisHost: Bool {
        guard host == Self.hostName, let bootID = Self.bootID, bootID == self.bootID else { return false }
        return Self.startTicks(of: pid) != startTicks
    }

    static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty || name.contains(" ") ? "localhost" : name
    }

    static var bootID: String? {
        guard let text = try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8) else { return nil }
        let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return id.isEmpty || id.contains(" ") ? nil : id
    }

    /// Field 22 of `/proc/PID/stat`; nil when there is no such process or it is a zombie.
    static func startTicks(of pid: Int32) -> UInt64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // After "PID (comm)": field 3 (state) onwards; comm may hold spaces and parentheses.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, fields[0] != "Z" else { return nil }
        return UInt64(fields[19])
    }
}
