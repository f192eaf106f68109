extension GrammarCursor {
    /// uidvalidity = nz-number
    mutating func uidValidity() throws(GrammarError) -> UIDValidity {
        UIDValidity(validated: try nzNumber("expected UIDVALIDITY"))
    }

    /// uniqueid = nz-number
    mutating func uniqueID() throws(GrammarError) -> UID {
        UID(validated: try nzNumber("expected UID"))
    }
}
