/// What an endpoint can do, as far as the engine's choices depend on it. The IMAP endpoint fills
/// this from CAPABILITY (after ENABLE QRESYNC); the store endpoint supports everything.
public struct EndpointCapabilities: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Changes since a modseq (vanished UIDs + flag changes) on select: required.
    public static let qresync = EndpointCapabilities(rawValue: 1 << 0)
    /// Per-message modseqs and conditional stores (UNCHANGEDSINCE): required (QRESYNC implies it).
    public static let condstore = EndpointCapabilities(rawValue: 1 << 1)
    /// Assigned UIDs reported for appends and copies (APPENDUID / COPYUID): required.
    public static let uidplus = EndpointCapabilities(rawValue: 1 << 2)
    /// Several messages in one append (MULTIAPPEND); without it batches have one message.
    public static let multiappend = EndpointCapabilities(rawValue: 1 << 3)
    /// Atomic move between mailboxes (MOVE); without it a move is copy + expunge.
    public static let move = EndpointCapabilities(rawValue: 1 << 4)
    /// Mailbox list with status and subscription in one request (LIST-EXTENDED + LIST-STATUS).
    public static let listStatus = EndpointCapabilities(rawValue: 1 << 5)

    /// What the engine refuses to run without, with the IMAP capability name to report.
    public static let required: [(EndpointCapabilities, String)] = [
        (.qresync, "QRESYNC"), (.condstore, "CONDSTORE"), (.uidplus, "UIDPLUS"),
    ]

    /// The IMAP names of the required capabilities this set lacks.
    public var missingRequired: [String] {
        Self.required.filter { !contains($0.0) }.map(\.1)
    }
}
