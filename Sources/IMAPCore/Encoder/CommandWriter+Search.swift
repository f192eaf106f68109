extension CommandWriter {
    /// search-program = ["CHARSET" SP charset SP] search-key *(SP search-key)     ; RFC 9051
    /// `CHARSET UTF-8` is sent only when a string in the criteria is not ASCII.
    mutating func searchProgram(_ key: SearchKey) {
        if key.hasNonASCIIString { write("CHARSET UTF-8 ") }
        if case .and(let keys) = key, !keys.isEmpty {
            each(keys) { $0.searchKey($1) }
        } else {
            searchKey(key)
        }
    }

    /// search-key = "ALL" / "ANSWERED" / "BEFORE" SP date / "BODY" SP astring / "DELETED" /
    ///     "DRAFT" / "FLAGGED" / "FROM" SP astring / "HEADER" SP header-fld-name SP astring /
    ///     "KEYWORD" SP flag-keyword / "LARGER" SP number64 / "NOT" SP search-key /
    ///     "ON" SP date / "OR" SP search-key SP search-key / "SEEN" / "SENTBEFORE" SP date /
    ///     "SENTSINCE" SP date / "SINCE" SP date / "SMALLER" SP number64 / "SUBJECT" SP astring /
    ///     "TEXT" SP astring / "TO" SP astring / "UID" SP sequence-set / "UNANSWERED" /
    ///     "UNDELETED" / "UNDRAFT" / "UNFLAGGED" / "UNKEYWORD" SP flag-keyword / "UNSEEN" /
    ///     sequence-set / "(" search-key *(SP search-key) ")"
    /// search-key =/ search-modsequence ; search-modsequence = "MODSEQ" SP mod-sequence-valzer
    /// search-key =/ "EMAILID" SP objectid / "THREADID" SP objectid           ; RFC 8474
    mutating func searchKey(_ key: SearchKey) {
        switch key {
        case .all: write("ALL")
        case .uid(let set): write("UID " + set.imapString)
        case .sequenceNumbers(let set): write(set.imapString)
        case .modSeq(let value): write("MODSEQ \(value)")
        case .since(let date): write("SINCE " + date.imapString)
        case .before(let date): write("BEFORE " + date.imapString)
        case .on(let date): write("ON " + date.imapString)
        case .sentSince(let date): write("SENTSINCE " + date.imapString)
        case .sentBefore(let date): write("SENTBEFORE " + date.imapString)
        case .header(let field, let value):
            write("HEADER ")
            astring(Array(field.utf8))
            write(" ")
            string(Array(value.utf8))
        case .from(let s): keyWithString("FROM", s)
        case .to(let s): keyWithString("TO", s)
        case .subject(let s): keyWithString("SUBJECT", s)
        case .body(let s): keyWithString("BODY", s)
        case .text(let s): keyWithString("TEXT", s)
        case .seen: write("SEEN")
        case .unseen: write("UNSEEN")
        case .answered: write("ANSWERED")
        case .unanswered: write("UNANSWERED")
        case .deleted: write("DELETED")
        case .undeleted: write("UNDELETED")
        case .flagged: write("FLAGGED")
        case .unflagged: write("UNFLAGGED")
        case .draft: write("DRAFT")
        case .undraft: write("UNDRAFT")
        case .keyword(let flag): write("KEYWORD " + flag.rawValue)
        case .unkeyword(let flag): write("UNKEYWORD " + flag.rawValue)
        case .larger(let n): write("LARGER \(n)")
        case .smaller(let n): write("SMALLER \(n)")
        case .emailID(let id): write("EMAILID " + id)
        case .threadID(let id): write("THREADID " + id)
        case .not(let inner):
            write("NOT ")
            searchKey(inner)
        case .or(let a, let b):
            write("OR ")
            searchKey(a)
            write(" ")
            searchKey(b)
        case .and(let keys):
            guard !keys.isEmpty else { write("ALL"); return }
            if keys.count == 1 { searchKey(keys[0]); return }
            write("(")
            each(keys) { $0.searchKey($1) }
            write(")")
        case .raw(let text): write(text)
        }
    }

    private mutating func keyWithString(_ name: String, _ value: String) {
        write(name + " ")
        string(Array(value.utf8))
    }
}

extension SearchKey {
    /// Whether a string argument needs `CHARSET UTF-8`.
    var hasNonASCIIString: Bool {
        switch self {
        case .header(let a, let b): return !a.utf8.allSatisfy { $0 < 0x80 } || !b.utf8.allSatisfy { $0 < 0x80 }
        case .from(let s), .to(let s), .subject(let s), .body(let s), .text(let s):
            return !s.utf8.allSatisfy { $0 < 0x80 }
        case .not(let inner): return inner.hasNonASCIIString
        case .or(let a, let b): return a.hasNonASCIIString || b.hasNonASCIIString
        case .and(let keys): return keys.contains { $0.hasNonASCIIString }
        default: return false
        }
    }
}
