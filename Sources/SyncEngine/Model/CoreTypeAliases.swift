// Stand-ins for the typed `ModSequence` / `UIDValidity` being added to IMAPCore on branch `core`.
// When that lands: delete this file, `import IMAPCore` provides the real types (the engine only
// builds them from and compares them as integers, so the change is local to the constructors).

/// A modification sequence (RFC 7162 `mod-sequence-value`, 1…2^63-1; 0 = "nothing seen yet").
public typealias ModSequence = UInt64

/// A mailbox's UIDVALIDITY (RFC 3501 `nz-number`).
public typealias UIDValidity = UInt32
