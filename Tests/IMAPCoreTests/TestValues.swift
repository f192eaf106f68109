import IMAPCore

/// Constants for test tables, where a zero is a typo in the test, not input to handle.
func validity(_ n: UInt32) -> UIDValidity {
    guard let value = UIDValidity(n) else { preconditionFailure("UIDVALIDITY 0 in a test table") }
    return value
}
