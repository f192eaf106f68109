/// Why a run (or an administrative command) stopped as a whole; per-mailbox failures are in the
/// mailbox's ``SyncSummary`` instead. Messages follow interimap's where it has one.
public enum SyncRunError: Error, Hashable, Sendable, CustomStringConvertible {
    case missingCapability(Side, String)
    /// One side has a hierarchy delimiter and the other a flat namespace: names cannot be mapped.
    case delimiterMismatch(local: Character?, remote: Character?)
    /// Known to the database, present on one side only: deleted on the other. interimap stops
    /// here too; the user decides.
    case deletedOnOneSide(mailbox: String, missingOn: Side)
    case mailboxExists(mailbox: String, on: String)
    case cannotDeleteInbox
    case invalidMailboxName(String)
    /// A name with hierarchy that a flat namespace cannot hold.
    case unrepresentableName(mailbox: String, side: Side)
    case invalidIgnorePattern(String)
    case uidValidityKeepsChanging(mailbox: String)

    public var description: String {
        switch self {
        case .missingCapability(let side, let name):
            "\(side): the server does not support \(name), which synchronisation requires"
        case .delimiterMismatch(let local, let remote):
            "hierarchy delimiters differ in kind (local \(local.map { "\"\($0)\"" } ?? "none"), remote \(remote.map { "\"\($0)\"" } ?? "none")): one side is flat"
        case .deletedOnOneSide(let mailbox, let side):
            "mailbox \(mailbox) exists only on the \(side.other) side (deleted on the \(side) side?). Run `imapctl sync --target=database --delete \(mailbox)` to forget it, or `--target=\(side.other) --delete` to delete it"
        case .mailboxExists(let mailbox, let on):
            "\(on): mailbox \(mailbox) exists. Run `imapctl sync --target=\(on) --delete \(mailbox)` to delete it"
        case .cannotDeleteInbox: "INBOX can't be deleted"
        case .invalidMailboxName(let name): "invalid mailbox name \(name) (modified UTF-7, ASCII only)"
        case .unrepresentableName(let mailbox, let side):
            "mailbox \(mailbox) has hierarchy but the \(side) namespace is flat"
        case .invalidIgnorePattern(let pattern): "invalid ignore-mailbox regular expression \(pattern)"
        case .uidValidityKeepsChanging(let mailbox): "mailbox \(mailbox): the UIDVALIDITY keeps changing; try again later"
        }
    }
}

