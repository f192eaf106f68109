extension GrammarCursor {
    /// flag = "\Answered" / "\Flagged" / "\Deleted" / "\Seen" / "\Draft" / flag-keyword / flag-extension
    /// flag-perm = flag / "\*"
    /// flag-fetch = flag / "\Recent"
    /// (flag-extension = "\" atom; flag-keyword = atom)
    mutating func flag() throws(GrammarError) -> MessageFlag {
        if peek() == UInt8(ascii: "\\") {
            index += 1
            if peek() == UInt8(ascii: "*") {
                index += 1
                return .wildcard
            }
            return MessageFlag("\\" + (try atom("expected flag")))
        }
        return MessageFlag(try atom("expected flag"))
    }

    /// flag-list = "(" [flag *(SP flag)] ")"
    mutating func flagList() throws(GrammarError) -> [MessageFlag] {
        try list("expected flag list") { (c: inout GrammarCursor) throws(GrammarError) in try c.flag() }
    }
}
