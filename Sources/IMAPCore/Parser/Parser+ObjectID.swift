extension GrammarCursor {
    /// objectid = 1*255(ALPHA / DIGIT / "_" / "-")                               ; RFC 8474
    /// (any atom is accepted: servers are not strict about the alphabet)
    mutating func objectID() throws(GrammarError) -> String {
        try atom("expected object id")
    }

    /// "(" objectid ")", as MAILBOXID and EMAILID have it.
    mutating func parenthesizedObjectID() throws(GrammarError) -> String {
        try openList("expected ( before object id")
        let id = try objectID()
        try closeList("expected ) after object id")
        return id
    }
}
