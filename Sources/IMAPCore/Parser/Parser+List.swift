extension GrammarCursor {
    /// mailbox = "INBOX" / astring
    mutating func mailbox() throws(GrammarError) -> MailboxName {
        MailboxName(raw: try astring())
    }

    /// mailbox-list = "(" [mbx-list-flags] ")" SP (DQUOTE QUOTED-CHAR DQUOTE / nil) SP mailbox
    ///                [SP mbox-list-extended]                                        ; RFC 5258
    /// mbox-list-extended = "(" [mbox-list-extended-item *(SP mbox-list-extended-item)] ")"
    /// mbox-list-extended-item = mbox-list-extended-item-tag SP tagged-ext-val
    /// (the LIST/LSUB keyword already read)
    mutating func mailboxList() throws(GrammarError) -> ListItem {
        try space()
        let attributes = try list("expected mailbox attributes") { (c: inout GrammarCursor) throws(GrammarError) in
            try c.mailboxAttribute()
        }
        try space()
        let delimiter = try delimiter()
        try space()
        var item = ListItem(attributes: attributes, delimiter: delimiter, mailbox: try mailbox())
        skipSpaces()
        if peek() == UInt8(ascii: "(") {
            try openList("expected extended data")
            skipSpaces()
            while let b = peek(), b != UInt8(ascii: ")") {
                let tag = String(decoding: try astring(), as: UTF8.self).uppercased()
                try space()
                switch tag {
                case "CHILDINFO":
                    item.childInfo = try list("expected CHILDINFO list") { (c: inout GrammarCursor) throws(GrammarError) in
                        String(decoding: try c.astring(), as: UTF8.self)
                    }
                case "OLDNAME":
                    let names = try list("expected OLDNAME list") { (c: inout GrammarCursor) throws(GrammarError) in
                        try c.mailbox()
                    }
                    item.oldName = names.first
                default:
                    item.extendedData[tag] = try skipValue()
                }
                skipSpaces()
            }
            try closeList("expected ) after extended data")
        }
        return item
    }

    /// DQUOTE QUOTED-CHAR DQUOTE / nil: a hierarchy delimiter (LIST, NAMESPACE).
    mutating func delimiter() throws(GrammarError) -> Character? {
        if consumeKeyword("NIL") { return nil }
        let start = index
        let raw = try quoted()
        guard raw.count == 1 else {
            index = start
            throw fail("expected single-character delimiter")
        }
        return Character(Unicode.Scalar(raw[0]))
    }

    /// mbx-list-flags: "\" atom (flag-extension / mbx-list-oflag / mbx-list-sflag), tolerating
    /// bare atoms.
    mutating func mailboxAttribute() throws(GrammarError) -> MailboxAttribute {
        if peek() == UInt8(ascii: "\\") {
            index += 1
            return MailboxAttribute("\\" + (try atom("expected mailbox attribute")))
        }
        return MailboxAttribute(try atom("expected mailbox attribute"))
    }
}
