extension GrammarCursor {
    /// mailbox-data =/ "SEARCH" *(SP nz-number) [SP "(" "MODSEQ" SP mod-sequence-value ")"]  ; RFC 7162
    /// (the SEARCH keyword already read)
    mutating func searchResponse() throws(GrammarError) -> UntaggedResponse {
        var numbers: [UInt32] = []
        var modSeq: ModSequence?
        while peek() == UInt8(ascii: " ") {
            skipSpaces()
            guard let b = peek() else { throw .incomplete }
            if b == UInt8(ascii: "(") {
                try openList("expected (MODSEQ n)")
                guard consumeKeyword("MODSEQ") else { throw fail("expected MODSEQ") }
                try space()
                modSeq = try modSequence()
                try closeList("expected ) after MODSEQ")
                skipSpaces()
                break
            }
            guard Self.isDigit(b) else { break }
            numbers.append(try nzNumber())
        }
        return .search(numbers, modSeq: modSeq)
    }

    /// esearch-response = "ESEARCH" [search-correlator] [SP "UID"] *(SP search-return-data)
    /// search-correlator = SP "(" "TAG" SP tag-string ")"
    /// search-return-data = "MIN" SP nz-number / "MAX" SP nz-number / "ALL" SP sequence-set /
    ///     "COUNT" SP number / "MODSEQ" SP mod-sequence-value / search-modifier-name SP search-return-value
    /// (the ESEARCH keyword already read)
    mutating func esearchResponse() throws(GrammarError) -> ESearchResponse {
        var response = ESearchResponse()
        skipSpaces()
        if peek() == UInt8(ascii: "(") {
            try openList("expected search correlator")
            guard consumeKeyword("TAG") else { throw fail("expected TAG") }
            try space()
            response.tag = String(decoding: try astring(), as: UTF8.self)
            try closeList("expected ) after correlator")
            skipSpaces()
        }
        if consumeKeyword("UID") {
            response.uid = true
            skipSpaces()
        }
        while let b = peek(), b != 0x0D, b != 0x0A {
            let name = try atom("expected search return data").uppercased()
            try space()
            switch name {
            case "MIN": response.min = try nzNumber()
            case "MAX": response.max = try nzNumber()
            case "COUNT": response.count = try number32()
            case "ALL": response.all = try sequenceSet()
            case "MODSEQ": response.modSeq = try modSequence()
            default: _ = try skipValue()
            }
            skipSpaces()
        }
        return response
    }

    /// message-data =/ "VANISHED" [SP "(EARLIER)"] SP known-uids            ; RFC 7162
    /// (the VANISHED keyword already read)
    mutating func vanishedResponse() throws(GrammarError) -> UntaggedResponse {
        try space()
        var earlier = false
        if peek() == UInt8(ascii: "(") {
            try openList("expected (EARLIER)")
            guard consumeKeyword("EARLIER") else { throw fail("expected EARLIER") }
            try closeList("expected ) after EARLIER")
            earlier = true
            try space()
        }
        return .vanished(try uidSet(), earlier: earlier)
    }
}
