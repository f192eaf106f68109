extension GrammarCursor {
    /// "STATUS" SP mailbox SP "(" [status-att-list] ")"
    /// status-att-list = status-att-val *(SP status-att-val)
    /// status-att-val = "MESSAGES" SP number / "UIDNEXT" SP nz-number / "UIDVALIDITY" SP nz-number /
    ///     "UNSEEN" SP number / "RECENT" SP number / "SIZE" SP number64 /
    ///     "HIGHESTMODSEQ" SP mod-sequence-valzer                       ; RFC 7162, RFC 8438
    /// status-att-val =/ "APPENDLIMIT" SP (number / nil)                 ; RFC 7889
    /// status-att-val =/ "MAILBOXID" SP "(" objectid ")"                 ; RFC 8474
    /// (the STATUS keyword already read; unknown items are skipped)
    mutating func mailboxStatus() throws(GrammarError) -> (MailboxName, MailboxStatus) {
        try space()
        let name = try mailbox()
        try space()
        var status = MailboxStatus()
        _ = try list("expected status list") { (c: inout GrammarCursor) throws(GrammarError) in
            let item = try c.atom("expected status item").uppercased()
            try c.space()
            switch item {
            case "MESSAGES": status.messages = try c.number32()
            case "RECENT": status.recent = try c.number32()
            case "UIDNEXT": status.uidNext = try c.number32()
            case "UIDVALIDITY": status.uidValidity = try c.uidValidity()
            case "UNSEEN": status.unseen = try c.number32()
            case "HIGHESTMODSEQ": status.highestModSeq = try c.modSequence()
            case "SIZE": status.size = try c.number()
            case "APPENDLIMIT": status.appendLimit = c.consumeKeyword("NIL") ? .max : try c.number()
            case "MAILBOXID": status.mailboxID = try c.parenthesizedObjectID()
            default: _ = try c.skipValue()
            }
        }
        return (name, status)
    }
}
