import IMAPCore
import NIOCore

/// Renders parser events in the compact text form used by the fixture files (see
/// `Fixtures/README.txt`), after merging consecutive `bodyBytes` chunks into one.
enum EventRendering {
    static func render(_ events: [ResponseEvent]) -> [String] {
        var merged: [ResponseEvent] = []
        for event in events {
            if case .fetch(.bodyBytes(var chunk)) = event, case .fetch(.bodyBytes(var previous))? = merged.last {
                previous.writeBuffer(&chunk)
                merged[merged.count - 1] = .fetch(.bodyBytes(previous))
            } else {
                merged.append(event)
            }
        }
        return merged.map(render)
    }

    static func render(_ event: ResponseEvent) -> String {
        switch event {
        case .continuation(let text): return "CONT " + quote(text)
        case .tagged(let t): return "TAG \(t.tag) \(t.state.rawValue)\(code(t.code)) \(quote(t.text))"
        case .untagged(let u): return render(u)
        case .fetch(let f): return render(f)
        }
    }

    static func render(_ u: UntaggedResponse) -> String {
        switch u {
        case .condition(let state, let c, let text): return "\(state.rawValue)\(code(c)) \(quote(text))"
        case .capability(let caps): return (["CAPABILITY"] + caps.map(\.rawValue)).joined(separator: " ")
        case .enabled(let caps): return (["ENABLED"] + caps.map(\.rawValue)).joined(separator: " ")
        case .flags(let flags): return (["FLAGS"] + flags.map(\.rawValue)).joined(separator: " ")
        case .exists(let n): return "EXISTS \(n)"
        case .recent(let n): return "RECENT \(n)"
        case .expunge(let n): return "EXPUNGE \(n)"
        case .vanished(let set, let earlier): return "VANISHED\(earlier ? " EARLIER" : "") \(set.imapString)"
        case .list(let item): return "LIST " + render(item)
        case .lsub(let item): return "LSUB " + render(item)
        case .status(let name, let s):
            var parts = ["STATUS", mailbox(name)]
            if let v = s.messages { parts.append("MESSAGES=\(v)") }
            if let v = s.recent { parts.append("RECENT=\(v)") }
            if let v = s.uidNext { parts.append("UIDNEXT=\(v)") }
            if let v = s.uidValidity { parts.append("UIDVALIDITY=\(v)") }
            if let v = s.unseen { parts.append("UNSEEN=\(v)") }
            if let v = s.highestModSeq { parts.append("HIGHESTMODSEQ=\(v)") }
            if let v = s.size { parts.append("SIZE=\(v)") }
            if let v = s.appendLimit { parts.append("APPENDLIMIT=\(v)") }
            if let v = s.mailboxID { parts.append("MAILBOXID=\(v)") }
            return parts.joined(separator: " ")
        case .search(let numbers, let modSeq):
            return (["SEARCH"] + numbers.map { "\($0)" } + (modSeq.map { ["MODSEQ=\($0)"] } ?? [])).joined(separator: " ")
        case .esearch(let e):
            var parts = ["ESEARCH"]
            if let tag = e.tag { parts.append("TAG=" + quote(tag)) }
            if e.uid { parts.append("UID") }
            if let v = e.min { parts.append("MIN=\(v)") }
            if let v = e.max { parts.append("MAX=\(v)") }
            if let v = e.count { parts.append("COUNT=\(v)") }
            if let v = e.all { parts.append("ALL=\(v.imapString)") }
            if let v = e.modSeq { parts.append("MODSEQ=\(v)") }
            return parts.joined(separator: " ")
        case .id(let parameters):
            guard !parameters.isEmpty else { return "ID NIL" }
            return "ID (" + parameters.map { quote($0.key) + " " + ($0.value.map(quote) ?? "NIL") }.joined(separator: " ") + ")"
        case .namespace(let n):
            return "NAMESPACE " + [n.personal, n.otherUsers, n.shared].map(render).joined(separator: " ")
        case .unknown(let raw): return "UNKNOWN " + quote(raw)
        }
    }

    static func render(_ item: ListItem) -> String {
        var parts = ["(" + item.attributes.map(\.rawValue).joined(separator: " ") + ")",
                     item.delimiter.map { quote(String($0)) } ?? "NIL", mailbox(item.mailbox)]
        if !item.childInfo.isEmpty { parts.append("CHILDINFO=" + item.childInfo.joined(separator: ",")) }
        if let old = item.oldName { parts.append("OLDNAME=" + mailbox(old)) }
        for key in item.extendedData.keys.sorted() { parts.append("\(key)=\(item.extendedData[key] ?? "")") }
        return parts.joined(separator: " ")
    }

    static func render(_ f: FetchEvent) -> String {
        switch f {
        case .start(let n): return "FETCH \(n)"
        case .attribute(let a):
            switch a {
            case .uid(let uid): return "  UID \(uid.rawValue)"
            case .flags(let flags): return "  FLAGS (" + flags.map(\.rawValue).joined(separator: " ") + ")"
            case .modSeq(let m): return "  MODSEQ \(m)"
            case .internalDate(let d): return "  INTERNALDATE \(d.imapString)"
            case .rfc822Size(let n): return "  RFC822.SIZE \(n)"
            case .binarySize(let section, let n): return "  BINARY.SIZE [\(section)] \(n)"
            case .emailID(let id): return "  EMAILID \(id)"
            case .threadID(let id): return "  THREADID \(id ?? "NIL")"
            case .gmailMessageID(let n): return "  X-GM-MSGID \(n)"
            case .gmailThreadID(let n): return "  X-GM-THRID \(n)"
            case .gmailLabels(let labels): return "  X-GM-LABELS (" + labels.map(quote).joined(separator: " ") + ")"
            case .raw(let name, let value): return "  RAW \(name) \(quote(value))"
            }
        case .bodyStart(let section, let origin, let size):
            return "  BODY [\(section)]" + (origin.map { "<\($0)>" } ?? "") + " size=\(size)"
        case .bodyBytes(let bytes): return "  BYTES " + quoteBytes(bytes.readableBytesView)
        case .bodyEnd: return "  BODY-END"
        case .finish: return "FETCH-END"
        }
    }

    static func code(_ code: ResponseCode?) -> String {
        guard let code else { return "" }
        let inner: String
        switch code {
        case .alert: inner = "ALERT"
        case .capability(let caps): inner = (["CAPABILITY"] + caps.map(\.rawValue)).joined(separator: " ")
        case .permanentFlags(let flags): inner = "PERMANENTFLAGS (" + flags.map(\.rawValue).joined(separator: " ") + ")"
        case .readOnly: inner = "READ-ONLY"
        case .readWrite: inner = "READ-WRITE"
        case .uidValidity(let v): inner = "UIDVALIDITY \(v)"
        case .uidNext(let v): inner = "UIDNEXT \(v)"
        case .unseen(let v): inner = "UNSEEN \(v)"
        case .highestModSeq(let v): inner = "HIGHESTMODSEQ \(v)"
        case .noModSeq: inner = "NOMODSEQ"
        case .modified(let set): inner = "MODIFIED \(set.imapString)"
        case .appendUID(let v, let uids): inner = "APPENDUID \(v) \(uids.imapString)"
        case .copyUID(let v, let s, let d): inner = "COPYUID \(v) \(s.imapString) \(d.imapString)"
        case .closed: inner = "CLOSED"
        case .tryCreate: inner = "TRYCREATE"
        case .uidNotSticky: inner = "UIDNOTSTICKY"
        case .parse: inner = "PARSE"
        case .badCharset(let names): inner = "BADCHARSET (" + names.joined(separator: " ") + ")"
        case .unknownCTE: inner = "UNKNOWN-CTE"
        case .noUpdate(let tag): inner = "NOUPDATE " + quote(tag)
        case .notificationOverflow: inner = "NOTIFICATIONOVERFLOW"
        case .badEvent(let events): inner = "BADEVENT (" + events.joined(separator: " ") + ")"
        case .overQuota: inner = "OVERQUOTA"
        case .alreadyExists: inner = "ALREADYEXISTS"
        case .nonExistent: inner = "NONEXISTENT"
        case .cannot: inner = "CANNOT"
        case .limit: inner = "LIMIT"
        case .inUse: inner = "INUSE"
        case .serverBug: inner = "SERVERBUG"
        case .clientBug: inner = "CLIENTBUG"
        case .authenticationFailed: inner = "AUTHENTICATIONFAILED"
        case .authorizationFailed: inner = "AUTHORIZATIONFAILED"
        case .unavailable: inner = "UNAVAILABLE"
        case .expired: inner = "EXPIRED"
        case .privacyRequired: inner = "PRIVACYREQUIRED"
        case .contactAdmin: inner = "CONTACTADMIN"
        case .noPerm: inner = "NOPERM"
        case .expungeIssued: inner = "EXPUNGEISSUED"
        case .corruption: inner = "CORRUPTION"
        case .hasChildren: inner = "HASCHILDREN"
        case .other(let name, let text): inner = "OTHER " + name + (text.map { " " + quote($0) } ?? "")
        }
        return " [" + inner + "]"
    }

    /// A namespace list as on the wire: `NIL` or `(("prefix" "delim" "EXT" ("v")) …)`.
    static func render(_ namespaces: [NamespaceDescription]) -> String {
        guard !namespaces.isEmpty else { return "NIL" }
        return "(" + namespaces.map { d in
            "(" + mailbox(d.prefix) + " " + (d.delimiter.map { quote(String($0)) } ?? "NIL")
                + d.extensions.map { " " + quote($0.name) + " (" + $0.values.map(quote).joined(separator: " ") + ")" }.joined()
                + ")"
        }.joined() + ")"
    }

    static func mailbox(_ name: MailboxName) -> String {
        let raw = String(decoding: name.raw, as: UTF8.self)
        return raw == name.name ? quote(raw) : quote(name.name) + "(raw " + quote(raw) + ")"
    }

    /// Bodies byte by byte: printable ASCII as is, other bytes as `\r`, `\n` or `\xNN`.
    static func quoteBytes<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        var out = "\""
        for b in bytes {
            switch b {
            case 0x0D: out += "\\r"
            case 0x0A: out += "\\n"
            case UInt8(ascii: "\\"): out += "\\\\"
            case UInt8(ascii: "\""): out += "\\\""
            case 0x20...0x7E: out.unicodeScalars.append(Unicode.Scalar(b))
            default: out += "\\x" + hex2(UInt32(b))
            }
        }
        return out + "\""
    }

    /// Double-quoted with `\r`, `\n`, `\\`, `\"` and `\xNN` escapes.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\r": out += "\\r"
            case "\n": out += "\\n"
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + hex2(scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// Two upper-case hex digits.
func hex2(_ value: UInt32) -> String {
    let hex = String(value, radix: 16, uppercase: true)
    return hex.count < 2 ? "0" + hex : hex
}
