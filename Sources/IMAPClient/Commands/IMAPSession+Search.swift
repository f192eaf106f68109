import IMAPCore

/// What `UID SEARCH` found: the UIDs as ranges, with ESEARCH's MIN/MAX/COUNT.
public struct SearchResult: Sendable, Hashable {
    public var all: UIDSet?
    public var min: UID?
    public var max: UID?
    public var count: Int?
    public var modSeq: ModSequence?
}

extension IMAPSession {
    /// `UID SEARCH [RETURN (…)] criteria`; RETURN is sent only with ESEARCH (RFC 4731), and the
    /// answer is the same either way. A string literal is a raw criterion.
    public func uidSearch(_ criteria: SearchKey, returning: [SearchReturnOption] = [.all, .count, .min, .max]) -> Pending<SearchResult> {
        let esearch = hasCapability(.esearch)
        return submit(.uidSearch(criteria: criteria, returning: esearch ? returning : nil), role: .search) { outcome in
            _ = try outcome.checked("UID SEARCH")
            var result = SearchResult()
            for response in outcome.data {
                switch response {
                case .esearch(let e):
                    result.all = e.allUIDs
                    result.min = e.min.flatMap(UID.init(rawValue:))
                    result.max = e.max.flatMap(UID.init(rawValue:))
                    result.count = e.count.map(Int.init)
                    result.modSeq = e.modSeq
                case .search(let numbers, let modSeq):
                    let uids = numbers.compactMap(UID.init(rawValue:))
                    result.all = UIDSet(uids: uids)
                    result.min = uids.min()
                    result.max = uids.max()
                    result.count = uids.count
                    result.modSeq = modSeq
                default:
                    break
                }
            }
            if esearch, result.count == nil, returning.contains(.count) { result.count = 0 }
            return result
        }
    }
}
