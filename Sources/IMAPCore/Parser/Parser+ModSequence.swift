extension GrammarCursor {
    /// mod-sequence-value = 1*DIGIT      ; RFC 7162, 1 ≤ n (0 tolerated from servers)
    /// mod-sequence-valzer = "0" / mod-sequence-value
    /// A number beyond UInt64 is invalid.
    mutating func modSequence() throws(GrammarError) -> ModSequence {
        ModSequence(try number("expected mod-sequence"))
    }
}
