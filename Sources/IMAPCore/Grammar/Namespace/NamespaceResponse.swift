/// `* NAMESPACE personal other-users shared` (RFC 2342 §5): each list empty for `NIL`.
///
/// namespace-response = "NAMESPACE" SP namespace SP namespace SP namespace
/// namespace = nil / "(" 1*namespace-descr ")"
public struct NamespaceResponse: Hashable, Sendable {
    public var personal: [NamespaceDescription]
    public var otherUsers: [NamespaceDescription]
    public var shared: [NamespaceDescription]

    public init(personal: [NamespaceDescription] = [], otherUsers: [NamespaceDescription] = [],
                shared: [NamespaceDescription] = []) {
        self.personal = personal
        self.otherUsers = otherUsers
        self.shared = shared
    }
}
