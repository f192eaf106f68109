/// LIST selection options (RFC 5258 §3.1).
public enum ListSelectOption: Hashable, Sendable {
    case subscribed
    case remote
    case recursiveMatch
    /// RFC 6154.
    case specialUse
    case other(String)

    var imapString: String {
        switch self {
        case .subscribed: return "SUBSCRIBED"
        case .remote: return "REMOTE"
        case .recursiveMatch: return "RECURSIVEMATCH"
        case .specialUse: return "SPECIAL-USE"
        case .other(let s): return s
        }
    }
}

/// LIST return options (RFC 5258 §3.2, RFC 5819 STATUS, RFC 6154 SPECIAL-USE).
public enum ListReturnOption: Hashable, Sendable {
    case subscribed
    case children
    case specialUse
    /// RFC 5819 LIST-STATUS.
    case status([StatusAttribute])
    case other(String)

    var imapString: String {
        switch self {
        case .subscribed: return "SUBSCRIBED"
        case .children: return "CHILDREN"
        case .specialUse: return "SPECIAL-USE"
        case .status(let items): return "STATUS (" + items.map(\.rawValue).joined(separator: " ") + ")"
        case .other(let s): return s
        }
    }
}

/// ESEARCH result options for `SEARCH RETURN (…)` (RFC 4731, RFC 5182 SAVE).
public enum SearchReturnOption: String, Hashable, Sendable {
    case min = "MIN"
    case max = "MAX"
    case count = "COUNT"
    case all = "ALL"
    case save = "SAVE"
}
