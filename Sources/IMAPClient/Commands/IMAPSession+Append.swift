import IMAPCore

extension IMAPSession {
    /// APPEND, or one MULTIAPPEND command for several messages when the server offers it.
    /// Returns the UIDs assigned (APPENDUID, RFC 4315) in order, when the server reports them.
    @discardableResult
    public func append(_ messages: [AppendMessage], to mailbox: String) async throws -> (uidValidity: UInt32, uids: [UInt32])? {
        guard !messages.isEmpty else { return nil }
        let name = MailboxName(mailbox)
        var responses: [TaggedResponse] = []
        if messages.count == 1 || hasCapability("MULTIAPPEND") {
            responses.append(try await run(.append(name, messages), name: "APPEND \(mailbox)"))
        } else {
            var tags: [String] = []
            for message in messages { tags.append(try await send(.append(name, [message]))) }
            for tag in tags { responses.append(try checked(await wait(tag), command: "APPEND \(mailbox)")) }
        }
        var validity: UInt32?
        var uids: [UInt32] = []
        for response in responses {
            guard case .appendUID(let v, let set)? = response.code else { return nil }
            // Expanded only when it names as many UIDs as messages were sent.
            guard set.count <= messages.count else { return nil }
            validity = v.rawValue
            uids += set.map(\.rawValue)
        }
        return validity.map { ($0, uids) }
    }
}
