import NIOCore

/// Turns a ``Command`` and its tag into wire bytes (RFC 3501 §9 `command`).
///
/// Strings go out as atoms, quoted strings or literals as their bytes require (8-bit, CR/LF,
/// NUL, or longer than 1024 bytes → literal). Mailbox names are sent as their modified UTF-7
/// bytes. Literals are synchronising unless `literalPlus` (RFC 7888 LITERAL+: always
/// `{n+}`) or `literalMinus` (LITERAL-: `{n+}` up to 4096 bytes) is set.
///
/// With `trace`, each ``EncodedCommand`` also carries the text a wire trace shows for it: the
/// encoder knows which arguments are credentials and writes ``WireTrace/redacted`` for them.
public struct CommandEncoder: Hashable, Sendable {
    public var literalPlus: Bool
    public var literalMinus: Bool
    public var trace: WireTraceMode?

    public init(literalPlus: Bool = false, literalMinus: Bool = false, trace: WireTraceMode? = nil) {
        self.literalPlus = literalPlus
        self.literalMinus = literalMinus
        self.trace = trace
    }

    /// idle = "IDLE" CRLF "DONE" — the line that ends IDLE (RFC 2177).
    public static func idleDone() -> ByteBuffer { ByteBuffer(string: "DONE\r\n") }

    /// A client response during AUTHENTICATE (RFC 3501 §6.2.2): base64 and CRLF (empty → CRLF).
    public static func authenticationResponse(_ bytes: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer(bytes: Base64.encode(bytes))
        buffer.writeString("\r\n")
        return buffer
    }

    /// The trace text of ``authenticationResponse(_:)``: a credential, redacted unless shown.
    public static func authenticationResponseTrace(_ bytes: [UInt8], mode: WireTraceMode) -> String {
        mode == .showingSecrets ? String(decoding: Base64.encode(bytes), as: UTF8.self) : WireTrace.redacted
    }

    /// Cancels an AUTHENTICATE exchange: `*` CRLF.
    public static func authenticationCancel() -> ByteBuffer { ByteBuffer(string: "*\r\n") }

    /// command = tag SP (command-any / command-auth / command-nonauth / command-select) CRLF
    public func encode(_ command: Command, tag: String) -> EncodedCommand {
        var w = CommandWriter(literalPlus: literalPlus, literalMinus: literalMinus, trace: trace)
        w.write(tag + " ")
        switch command {
        case .capability: w.write("CAPABILITY")
        case .noop: w.write("NOOP")
        case .logout: w.write("LOGOUT")
        case .startTLS: w.write("STARTTLS")
        case .expunge: w.write("EXPUNGE")
        case .close: w.write("CLOSE")
        case .unselect: w.write("UNSELECT")
        case .idle: w.write("IDLE")
        case .compressDeflate: w.write("COMPRESS DEFLATE")
        case .namespace: w.write("NAMESPACE")     // namespace = "NAMESPACE"          ; RFC 2342
        case .notifyNone: w.write("NOTIFY NONE")  // notify-none = "NONE"             ; RFC 5465
        case .notify(let parameters): w.notifySet(parameters)

        case .login(let username, let password):
            // login = "LOGIN" SP userid SP password ; userid = astring ; password = astring
            w.write("LOGIN ")
            w.astring(Array(username.utf8))
            w.write(" ")
            w.secret { $0.astring(Array(password.utf8)) }

        case .authenticate(let mechanism, let initialResponse):
            // authenticate = "AUTHENTICATE" SP auth-type [SP (base64 / "=")]       ; RFC 4959
            w.write("AUTHENTICATE " + mechanism)
            if let initialResponse {
                w.write(" ")
                if initialResponse.isEmpty {
                    w.write("=")
                } else {
                    w.secret { $0.writeBytes(Base64.encode(initialResponse)) }
                }
            }

        case .enable(let capabilities):
            // enable = "ENABLE" 1*(SP capability)                                  ; RFC 5161
            w.write("ENABLE " + capabilities.map(\.rawValue).joined(separator: " "))

        case .id(let parameters):
            // id = "ID" SP id-params-list ; id-params-list = "(" *(string SP nstring) ")" / nil
            w.write("ID ")
            if let parameters, !parameters.isEmpty {
                w.write("(")
                for (i, key) in parameters.keys.sorted().enumerated() {
                    if i > 0 { w.write(" ") }
                    w.string(Array(key.utf8))
                    w.write(" ")
                    w.string(Array((parameters[key] ?? "").utf8))
                }
                w.write(")")
            } else {
                w.write("NIL")
            }

        case .select(let mailbox, let parameters), .examine(let mailbox, let parameters):
            // select = "SELECT" SP mailbox [select-params]                         ; RFC 4466
            // select-param =/ "CONDSTORE" / "QRESYNC" SP "(" uidvalidity SP mod-sequence-value
            //                 [SP known-uids] [SP seq-match-data] ")"              ; RFC 7162
            // seq-match-data = "(" known-sequence-set SP known-uid-set ")"
            if case .select = command { w.write("SELECT ") } else { w.write("EXAMINE ") }
            w.astring(mailbox.raw)
            if let qresync = parameters.qresync {
                w.write(" (QRESYNC (\(qresync.uidValidity) \(qresync.modSeq)")
                if let known = qresync.knownUIDs { w.write(" " + known.imapString) }
                if let match = qresync.sequenceMatch {
                    w.write(" (\(match.sequenceNumbers.imapString) \(match.uids.imapString))")
                }
                w.write("))")
            } else if parameters.condstore {
                w.write(" (CONDSTORE)")
            }

        case .create(let mailbox): mailboxCommand("CREATE", mailbox, &w)
        case .delete(let mailbox): mailboxCommand("DELETE", mailbox, &w)
        case .subscribe(let mailbox): mailboxCommand("SUBSCRIBE", mailbox, &w)
        case .unsubscribe(let mailbox): mailboxCommand("UNSUBSCRIBE", mailbox, &w)

        case .rename(let from, let to):
            // rename = "RENAME" SP mailbox SP mailbox
            w.write("RENAME ")
            w.astring(from.raw)
            w.write(" ")
            w.astring(to.raw)

        case .list(let reference, let patterns, let selectOptions, let returnOptions):
            // list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]
            // mbox-or-pat = list-mailbox / patterns ; patterns = "(" list-mailbox *(SP list-mailbox) ")"
            w.write("LIST ")
            if !selectOptions.isEmpty {
                w.write("(" + selectOptions.map(\.imapString).joined(separator: " ") + ") ")
            }
            w.astring(reference.raw)
            w.write(" ")
            if patterns.count == 1 {
                w.listMailbox(Array(ModifiedUTF7.encode(patterns[0]).utf8))
            } else {
                w.write("(")
                for (i, pattern) in patterns.enumerated() {
                    if i > 0 { w.write(" ") }
                    w.listMailbox(Array(ModifiedUTF7.encode(pattern).utf8))
                }
                w.write(")")
            }
            if !returnOptions.isEmpty {
                w.write(" RETURN (" + returnOptions.map(\.imapString).joined(separator: " ") + ")")
            }

        case .lsub(let reference, let pattern):
            // lsub = "LSUB" SP mailbox SP list-mailbox
            w.write("LSUB ")
            w.astring(reference.raw)
            w.write(" ")
            w.listMailbox(Array(ModifiedUTF7.encode(pattern).utf8))

        case .status(let mailbox, let items):
            // status = "STATUS" SP mailbox SP "(" status-att *(SP status-att) ")"
            w.write("STATUS ")
            w.astring(mailbox.raw)
            w.write(" (" + items.map(\.rawValue).joined(separator: " ") + ")")

        case .append(let mailbox, let messages):
            // append = "APPEND" SP mailbox 1*append-message                        ; RFC 3502
            // append-message = [SP flag-list] [SP date-time] SP literal
            w.write("APPEND ")
            w.astring(mailbox.raw)
            for message in messages {
                if !message.flags.isEmpty {
                    w.write(" ")
                    w.flagList(message.flags)
                }
                if let date = message.internalDate { w.write(" \"" + date.imapString + "\"") }
                w.write(" ")
                w.literal(message.data, binary: message.data.readableBytesView.contains(0), shared: true)
            }

        case .fetch(let set, let items, let changedSince):
            // fetch = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att /
            //         "(" fetch-att *(SP fetch-att) ")") [fetch-modifiers]         ; RFC 4466
            w.write("FETCH " + set.imapString + " ")
            fetchItems(items, changedSince: changedSince, vanished: false, &w)

        case .uidFetch(let set, let items, let changedSince, let vanished):
            // uid = "UID" SP (copy / move / fetch / search / store / uid-expunge)
            // fetch-modifier =/ chgsince-fetch-mod / "VANISHED"                    ; RFC 7162
            w.write("UID FETCH " + set.imapString + " ")
            fetchItems(items, changedSince: changedSince, vanished: vanished, &w)

        case .store(let set, let flags, let unchangedSince):
            // store = "STORE" SP sequence-set [store-modifiers] SP store-att-flags
            // store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag)))
            w.write("STORE " + set.imapString)
            storeFlags(flags, unchangedSince: unchangedSince, &w)

        case .uidStore(let set, let flags, let unchangedSince):
            w.write("UID STORE " + set.imapString)
            storeFlags(flags, unchangedSince: unchangedSince, &w)

        case .search(let criteria, let returning):
            // search = "SEARCH" [search-return-opts] SP search-program              ; RFC 4731
            w.write("SEARCH")
            searchBody(criteria, returning, &w)

        case .uidSearch(let criteria, let returning):
            w.write("UID SEARCH")
            searchBody(criteria, returning, &w)

        case .uidExpunge(let set):
            // uid-expunge = "UID" SP "EXPUNGE" SP sequence-set                       ; RFC 4315
            w.write("UID EXPUNGE " + set.imapString)

        case .copy(let set, let mailbox):
            // copy = "COPY" SP sequence-set SP mailbox
            mailboxCommand("COPY " + set.imapString, mailbox, &w)
        case .uidCopy(let set, let mailbox):
            mailboxCommand("UID COPY " + set.imapString, mailbox, &w)
        case .move(let set, let mailbox):
            // move = "MOVE" SP sequence-set SP mailbox                               ; RFC 6851
            mailboxCommand("MOVE " + set.imapString, mailbox, &w)
        case .uidMove(let set, let mailbox):
            mailboxCommand("UID MOVE " + set.imapString, mailbox, &w)
        }
        let chunks = w.finish()
        return EncodedCommand(chunks: chunks, trace: w.trace)
    }

    private func mailboxCommand(_ name: String, _ mailbox: MailboxName, _ w: inout CommandWriter) {
        w.write(name + " ")
        w.astring(mailbox.raw)
    }

    private func fetchItems(_ items: [FetchItem], changedSince: ModSequence?, vanished: Bool, _ w: inout CommandWriter) {
        w.write("(" + items.map(\.imapString).joined(separator: " ") + ")")
        // chgsince-fetch-mod = "CHANGEDSINCE" SP mod-sequence-value                  ; RFC 7162
        if let changedSince {
            w.write(" (CHANGEDSINCE \(changedSince)" + (vanished ? " VANISHED)" : ")"))
        }
    }

    private func storeFlags(_ flags: StoreFlags, unchangedSince: ModSequence?, _ w: inout CommandWriter) {
        // store-modifier =/ "UNCHANGEDSINCE" SP mod-sequence-valzer                  ; RFC 7162
        if let unchangedSince { w.write(" (UNCHANGEDSINCE \(unchangedSince))") }
        w.write(" " + flags.itemName + " ")
        w.flagList(flags.flags)
    }

    private func searchBody(_ criteria: SearchKey, _ returning: [SearchReturnOption]?, _ w: inout CommandWriter) {
        // search-return-opts = SP "RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")"
        if let returning { w.write(" RETURN (" + returning.map(\.rawValue).joined(separator: " ") + ")") }
        w.write(" ")
        w.searchProgram(criteria)
    }
}
