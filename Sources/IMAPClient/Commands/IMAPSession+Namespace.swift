import IMAPCore

extension IMAPSession {
    /// NAMESPACE (RFC 2342).
    public func namespace() -> Pending<NamespaceResponse> {
        guard hasCapability(.namespace) else {
            return .failed(.missingCapability(command: "NAMESPACE", capability: "NAMESPACE"))
        }
        return submit(.namespace, role: .namespace) { outcome in
            _ = try outcome.checked("NAMESPACE")
            for case .namespace(let response) in outcome.data { return response }
            return NamespaceResponse()
        }
    }
}
