extension GrammarCursor {
    /// namespace-response = "NAMESPACE" SP namespace SP namespace SP namespace     ; RFC 2342
    /// (the NAMESPACE keyword already read)
    mutating func namespaceResponse() throws(GrammarError) -> NamespaceResponse {
        try space()
        let personal = try namespace()
        try space()
        let otherUsers = try namespace()
        try space()
        return NamespaceResponse(personal: personal, otherUsers: otherUsers, shared: try namespace())
    }

    /// namespace = nil / "(" 1*namespace-descr ")"
    /// (descriptions separated by spaces are tolerated)
    private mutating func namespace() throws(GrammarError) -> [NamespaceDescription] {
        if consumeKeyword("NIL") { return [] }
        try openList("expected namespace list or NIL")
        var descriptions: [NamespaceDescription] = []
        repeat {
            descriptions.append(try namespaceDescription())
            skipSpaces()
        } while peek() == UInt8(ascii: "(")
        try closeList("expected ) after namespace list")
        return descriptions
    }

    /// namespace-descr = "(" string SP (DQUOTE QUOTED-CHAR DQUOTE / nil)
    ///                   [namespace-response-extensions] ")"
    /// namespace-response-extension = SP string SP "(" string *(SP string) ")"
    private mutating func namespaceDescription() throws(GrammarError) -> NamespaceDescription {
        try openList("expected namespace description")
        let prefix = MailboxName(raw: try string())
        try space()
        let delimiter = try delimiter()
        var extensions: [NamespaceExtension] = []
        while peek() == UInt8(ascii: " ") {
            try space()
            if peek() == UInt8(ascii: ")") { break }
            let name = String(decoding: try string(), as: UTF8.self)
            try space()
            let values = try list("expected namespace extension values") { (c: inout GrammarCursor) throws(GrammarError) in
                String(decoding: try c.string(), as: UTF8.self)
            }
            extensions.append(NamespaceExtension(name: name, values: values))
        }
        try closeList("expected ) after namespace description")
        return NamespaceDescription(prefix: prefix, delimiter: delimiter, extensions: extensions)
    }
}
