/// A response code (`resp-text-code`, RFC 3501 §7.1, RFC 4315, RFC 7162, RFC 9051 §7.1).
public enum ResponseCode: Hashable, Sendable {
    case alert
    case capability([Capability])
    case permanentFlags([MessageFlag])
    case readOnly
    case readWrite
    case uidValidity(UIDValidity)
    case uidNext(UInt32)
    case unseen(UInt32)
    /// RFC 7162.
    case highestModSeq(ModSequence)
    case noModSeq
    /// RFC 7162: the STORE failed for these messages: sequence numbers after STORE, UIDs after
    /// UID STORE (read them with `UIDSet(set)`). Kept as ranges, never expanded.
    case modified(SequenceSet)
    /// RFC 4315: the UIDs the appended messages got.
    case appendUID(uidValidity: UIDValidity, uids: UIDSet)
    /// RFC 4315: source UIDs and the UIDs of the copies, pairwise in order.
    case copyUID(uidValidity: UIDValidity, source: UIDSet, destination: UIDSet)
    /// RFC 7162: the previously selected mailbox is now closed.
    case closed
    case tryCreate
    case uidNotSticky
    case parse
    case badCharset([String])
    /// RFC 3516: the server cannot decode the part's Content-Transfer-Encoding.
    case unknownCTE
    /// RFC 5267: the server will send no more updates for the CONTEXT search of this tag.
    case noUpdate(tag: String)
    /// RFC 5465: the server dropped events; the client must resynchronise.
    case notificationOverflow
    /// RFC 5465: these NOTIFY events are not supported.
    case badEvent([String])
    /// RFC 9208 (QUOTA).
    case overQuota
    /// RFC 5530 (and RFC 9051 §7.1) codes, telling why a command failed.
    case alreadyExists
    case nonExistent
    case cannot
    case limit
    case inUse
    case serverBug
    case clientBug
    case authenticationFailed
    case authorizationFailed
    case unavailable
    case expired
    case privacyRequired
    case contactAdmin
    case noPerm
    case expungeIssued
    case corruption
    case hasChildren
    /// Any other code (or a known one whose arguments did not parse): the atom, upper-cased,
    /// and the raw text up to `]`, if any.
    case other(String, String?)
}
