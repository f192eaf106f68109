import IMAPClient
import IMAPCore
import SyncEngine

// Conversions between IMAPCore's typed wire values and the engine's plain counters. IMAPClient
// and SyncEngine both define FlagChange, StoreResult and AppendResult: always module-qualify.

extension FlagList {
    /// The flags as a message carries them (`\Recent` dropped by FlagList itself).
    init(wire flags: [MessageFlag]?) { self.init(flags ?? []) }
}

extension MessageDate {
    init(_ date: InternalDate) {
        self.init(secondsSince1970: date.epochSeconds, zoneOffsetMinutes: date.utcOffsetMinutes)
    }
}

extension InternalDate {
    init(_ date: MessageDate) {
        self.init(epoch: date.secondsSince1970, utcOffsetMinutes: date.zoneOffsetMinutes)
    }
}

extension ModSequence {
    var value: ModSeqValue { rawValue }
}

extension Optional where Wrapped == ModSequence {
    var value: ModSeqValue { self?.rawValue ?? 0 }
}

extension UIDSet {
    /// The set cut into sets whose wire form stays within `limit` bytes (InterIMAP's `with_set`
    /// keeps command lines around 4 KB, which every server accepts).
    func chunked(maxLength limit: Int = 4096) -> [UIDSet] {
        var out: [UIDSet] = []
        var current: [ClosedRange<UID>] = []
        var length = 0
        for range in normalizedRanges {
            let text = range.lowerBound == range.upperBound
                ? range.lowerBound.description : "\(range.lowerBound):\(range.upperBound)"
            if !current.isEmpty, length + text.utf8.count + 1 > limit {
                if let set = UIDSet(ranges: current) { out.append(set) }
                current = []
                length = 0
            }
            current.append(range)
            length += text.utf8.count + 1
        }
        if let set = UIDSet(ranges: current) { out.append(set) }
        return out
    }

    /// The UIDs of this set below `bound` (nil when none, or when `bound` is the lowest UID).
    func below(_ bound: UInt32) -> UIDSet? {
        guard bound > 1, let top = UID(rawValue: bound - 1) else { return nil }
        return intersection(UIDSet(UID.min...top))
    }
}
