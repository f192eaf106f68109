extension GrammarCursor {
    /// One complete response other than FETCH (which streams, see `Parser+Fetch.swift`); the
    /// cursor spans exactly the response, final CRLF included.
    ///
    /// response = continue-req / response-data / response-tagged
    /// continue-req = "+" SP (resp-text / base64) CRLF
    /// response-data = "*" SP (resp-cond-state / resp-cond-bye / mailbox-data / message-data /
    ///                 capability-data / enable-data / id-response) CRLF
    /// response-tagged = tag SP resp-cond-state CRLF
    mutating func completeResponse() throws(GrammarError) -> ResponseEvent {
        let event: ResponseEvent
        switch peek() {
        case nil:
            throw .incomplete
        case UInt8(ascii: "+"):
            index += 1
            if peek() == UInt8(ascii: " ") { index += 1 }
            event = .continuation(try restOfLine())
        case UInt8(ascii: "*"):
            index += 1
            try space()
            let dataStart = index
            if let data = try responseData() {
                event = .untagged(data)
            } else {
                index = lineContentEnd
                event = .untagged(.unknown(text(from: dataStart, to: index)))
            }
        default:
            event = .tagged(try taggedResponse())
        }
        try crlf()
        guard atEnd else { throw fail("unexpected data after response") }
        return event
    }

    /// Where the final CRLF (or LF) of the response begins.
    private var lineContentEnd: Int {
        var stop = end
        if stop > index, buffer.getInteger(at: stop - 1, as: UInt8.self) == 0x0A { stop -= 1 }
        if stop > index, buffer.getInteger(at: stop - 1, as: UInt8.self) == 0x0D { stop -= 1 }
        return stop
    }

    /// response-tagged = tag SP resp-cond-state CRLF
    /// tag = 1*<any ASTRING-CHAR except "+">
    /// resp-cond-state = ("OK" / "NO" / "BAD") SP resp-text
    private mutating func taggedResponse() throws(GrammarError) -> TaggedResponse {
        let tagBytes = try bytes("bad tag") { Self.isAStringChar($0) && $0 != UInt8(ascii: "+") && $0 < 0x80 }
        guard peek() == UInt8(ascii: " ") else { throw fail("bad character in tag") }
        try space()
        let state: ConditionState
        if consumeKeyword("OK") { state = .ok } else if consumeKeyword("NO") { state = .no } else if consumeKeyword("BAD") {
            state = .bad
        } else {
            throw fail("expected OK, NO or BAD")
        }
        let (code, text) = try respText()
        return TaggedResponse(tag: String(decoding: tagBytes, as: UTF8.self), state: state, code: code, text: text)
    }

    /// The part after `* `; nil for a response this parser does not know.
    ///
    /// resp-cond-state = ("OK" / "NO" / "BAD") SP resp-text
    /// resp-cond-bye = "BYE" SP resp-text
    /// resp-cond-auth = ("OK" / "PREAUTH") SP resp-text
    /// mailbox-data = "FLAGS" SP flag-list / "LIST" SP mailbox-list / "LSUB" SP mailbox-list /
    ///     "SEARCH" *(SP nz-number) / "STATUS" SP mailbox SP "(" [status-att-list] ")" /
    ///     number SP "EXISTS" / number SP "RECENT" / "ESEARCH" … (RFC 4731)
    /// message-data = nz-number SP ("EXPUNGE" / ("FETCH" SP msg-att)) / "VANISHED" … (RFC 7162)
    /// capability-data = "CAPABILITY" *(SP capability)
    /// enable-data = "ENABLED" *(SP capability)                                   ; RFC 5161
    /// id-response = "ID" SP id-params-list                                       ; RFC 2971
    /// namespace-response = "NAMESPACE" SP namespace SP namespace SP namespace     ; RFC 2342
    private mutating func responseData() throws(GrammarError) -> UntaggedResponse? {
        guard let first = peek() else { throw .incomplete }
        if Self.isDigit(first) {
            let number = try number32()
            try space()
            let keyword = try atom("expected keyword").uppercased()
            switch keyword {
            case "EXISTS": return .exists(number)
            case "RECENT": return .recent(number)
            case "EXPUNGE": return .expunge(number)
            default: return nil
            }
        }
        let keyword = try atom("expected keyword").uppercased()
        switch keyword {
        case "OK", "NO", "BAD", "PREAUTH", "BYE":
            let state = ConditionState(rawValue: keyword) ?? .bad
            let (code, text) = try respText()
            return .condition(state, code: code, text: text)
        case "CAPABILITY": return .capability(try capabilityList())
        case "ENABLED": return .enabled(try capabilityList())
        case "FLAGS":
            try space()
            return .flags(try flagList())
        case "LIST": return .list(try mailboxList())
        case "LSUB": return .lsub(try mailboxList())
        case "STATUS":
            let (name, status) = try mailboxStatus()
            return .status(name, status)
        case "SEARCH": return try searchResponse()
        case "ESEARCH": return .esearch(try esearchResponse())
        case "VANISHED": return try vanishedResponse()
        case "ID": return .id(try idResponse())
        case "NAMESPACE": return .namespace(try namespaceResponse())
        default:
            return nil
        }
    }
}
