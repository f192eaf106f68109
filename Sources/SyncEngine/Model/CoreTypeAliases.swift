// The engine's counters as plain integers (named apart from IMAPCore's typed `ModSequence` /
// `UIDValidity`, which the IMAP endpoint converts to and from).

/// A modification sequence (RFC 7162 `mod-sequence-value`, 1…2^63-1; 0 = "nothing seen yet").
public typealias ModSeqValue = UInt64

/// A mailbox's UIDVALIDITY (RFC 3501 `nz-number`).
public typealias UIDValidityValue = UInt32
