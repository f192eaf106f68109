extension GrammarCursor {
    /// id-response = "ID" SP id-params-list                                        ; RFC 2971
    /// id-params-list = "(" *(string SP nstring) ")" / nil
    /// (the ID keyword already read; `NIL` gives no parameters)
    mutating func idResponse() throws(GrammarError) -> [IDParameter] {
        try space()
        if consumeKeyword("NIL") { return [] }
        try openList("expected ID parameter list or NIL")
        var parameters: [IDParameter] = []
        skipSpaces()
        while peek() != UInt8(ascii: ")") {
            let key = String(decoding: try string(), as: UTF8.self)
            try space()
            let value = try nstring().map { String(decoding: $0, as: UTF8.self) }
            parameters.append(IDParameter(key: key, value: value))
            skipSpaces()
        }
        try closeList("expected ) after ID parameters")
        return parameters
    }
}
