import IMAPCore

extension IMAPSession {
    /// CAPABILITY: the session's ``capabilities`` are updated from it too.
    public func capability() -> Pending<Set<Capability>> {
        submit(.capability, role: .capability) { outcome in
            _ = try outcome.checked("CAPABILITY")
            for case .capability(let caps) in outcome.data { return Set(caps) }
            if case .capability(let caps)? = outcome.response.code { return Set(caps) }
            return []
        }
    }

    /// ENABLE with those of `wanted` the server advertises; nothing is sent when it advertises
    /// none of them or no ENABLE (RFC 5161), so a CONDSTORE-only server still opens a session.
    /// Sent now; awaiting the result waits for the answer. A refusal is logged, not fatal: the
    /// session works without the extensions.
    func submitEnableAdvertised(_ wanted: [Capability]) -> Pending<Void>? {
        let offered = wanted.filter { hasCapability($0) }
        guard hasCapability(.enable), !offered.isEmpty else { return nil }
        let sent = enable(offered)
        let logger = logger
        return Pending {
            do {
                _ = try await sent.value
            } catch let error as IMAPClientError {
                guard case .commandFailed = error else { throw error }
                logger.warning("ENABLE refused", metadata: ["error": "\(error)"])
            }
        }
    }

    /// ENABLE (RFC 5161); returns what the server confirmed.
    public func enable(_ capabilities: [Capability]) -> Pending<Set<Capability>> {
        guard hasCapability(.enable) else { return .failed(.missingCapability(command: "ENABLE", capability: "ENABLE")) }
        return submit(.enable(capabilities), role: .enable) { outcome in
            _ = try outcome.checked("ENABLE")
            var confirmed: Set<Capability> = []
            for case .enabled(let caps) in outcome.data { confirmed.formUnion(caps) }
            return confirmed
        }
    }

    public func noop() -> Pending<Void> { submit(.noop, name: "NOOP") }

    /// ID (RFC 2971): the server's fields in order (empty for `NIL`).
    public func id(_ parameters: [String: String]? = nil) -> Pending<[IDParameter]> {
        guard hasCapability(.id) else { return .failed(.missingCapability(command: "ID", capability: "ID")) }
        return submit(.id(parameters), role: .id) { outcome in
            _ = try outcome.checked("ID")
            for case .id(let fields) in outcome.data { return fields }
            return []
        }
    }
}
