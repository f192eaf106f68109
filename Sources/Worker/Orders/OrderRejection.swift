/// Why an order document was refused (it gets a `rejected` event and is never retried).
public struct OrderRejection: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    /// What could be read of the order before it was refused, to correlate the event.
    public var orderID: String?
    public var kind: String?
    public var userID: String?
    public var identityID: String?

    public init(_ reason: String, orderID: String? = nil, kind: String? = nil, userID: String? = nil,
                identityID: String? = nil) {
        self.reason = reason
        self.orderID = orderID
        self.kind = kind
        self.userID = userID
        self.identityID = identityID
    }

    public var description: String { reason }
}
