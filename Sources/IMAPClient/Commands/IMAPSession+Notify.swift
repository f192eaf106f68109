import IMAPCore

extension IMAPSession {
    /// NOTIFY SET (RFC 5465): what the server reports from now on arrives on ``mailboxEvents()``
    /// (STATUS of other mailboxes, LIST for created/renamed ones, EXISTS/EXPUNGE/FETCH of the
    /// selected one), during any command or none. Without NOTIFY a typed error, nothing sent.
    public func notify(_ parameters: NotifyParameters) -> Pending<Void> {
        guard hasCapability(.notify) else { return .failed(.missingCapability(command: "NOTIFY", capability: "NOTIFY")) }
        return submit(.notify(parameters), name: "NOTIFY")
    }

    /// NOTIFY NONE: back to the server's default notifications.
    public func notifyNone() -> Pending<Void> {
        guard hasCapability(.notify) else { return .failed(.missingCapability(command: "NOTIFY", capability: "NOTIFY")) }
        return submit(.notifyNone, name: "NOTIFY NONE")
    }
}
