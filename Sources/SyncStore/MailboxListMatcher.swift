import IMAPCore
import MailStore
import SyncEngine

/// LIST for the store: the request's patterns (wire form, `\0` standing for the delimiter,
/// after the reference) matched against the mailboxes' wire names, `*` matching anything and `%`
/// anything but the delimiter (RFC 3501 §6.3.8), `SUBSCRIBED` keeping subscribed ones only.
struct MailboxListMatcher {
    let delimiter: Character?
    let request: MailboxListRequest

    func listing(of mailboxes: [LocalMailbox]) -> MailboxListing {
        let delimiterByte = delimiter.flatMap(\.asciiValue)
        let patterns = (request.patterns.isEmpty ? [Array("*".utf8)] : request.patterns).map { pattern in
            request.reference + pattern.map { $0 == 0 ? (delimiterByte ?? 0) : $0 }
        }
        let subscribedOnly = request.selectOptions.contains { $0.uppercased() == "SUBSCRIBED" }
        let names = mailboxes.map { MailboxName($0.name) }
        var entries: [MailboxListEntry] = []
        for (mailbox, name) in zip(mailboxes, names) {
            if subscribedOnly && !mailbox.subscribed { continue }
            guard patterns.contains(where: { matches(name, $0, delimiterByte) }) else { continue }
            var attributes: Set<MailboxAttribute> = []
            if let delimiterByte {
                let prefix = name.raw + [delimiterByte]
                attributes.insert(names.contains { $0.raw.starts(with: prefix) } ? .hasChildren : .hasNoChildren)
            }
            if mailbox.subscribed { attributes.insert(.subscribed) }
            entries.append(MailboxListEntry(name: name, attributes: attributes, isSubscribed: mailbox.subscribed,
                                            status: MailboxSnapshot(uidValidity: mailbox.uidValidity, uidNext: mailbox.uidNext,
                                                                    highestModSeq: StoreMailboxEndpoint.modSeq(mailbox.highestModSeq))))
        }
        return MailboxListing(delimiter: delimiter, mailboxes: entries)
    }

    /// INBOX matches case-insensitively (MailboxName already spells it upper-case).
    private func matches(_ name: MailboxName, _ pattern: [UInt8], _ delimiter: UInt8?) -> Bool {
        if name.isInbox, String(decoding: pattern, as: UTF8.self).uppercased() == "INBOX" { return true }
        return Self.match(name.raw[...], pattern[...], delimiter)
    }

    static func match(_ name: ArraySlice<UInt8>, _ pattern: ArraySlice<UInt8>, _ delimiter: UInt8?) -> Bool {
        guard let first = pattern.first else { return name.isEmpty }
        let rest = pattern.dropFirst()
        switch first {
        case UInt8(ascii: "*"):
            var tail = name
            while true {
                if match(tail, rest, delimiter) { return true }
                guard !tail.isEmpty else { return false }
                tail = tail.dropFirst()
            }
        case UInt8(ascii: "%"):
            var tail = name
            while true {
                if match(tail, rest, delimiter) { return true }
                guard let next = tail.first, next != delimiter else { return false }
                tail = tail.dropFirst()
            }
        default:
            guard name.first == first else { return false }
            return match(name.dropFirst(), rest, delimiter)
        }
    }
}
