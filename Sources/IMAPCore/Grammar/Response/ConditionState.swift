/// The status word of a condition response (`resp-cond-state`, `resp-cond-bye`,
/// `resp-cond-auth`, RFC 3501 §7.1). Tagged responses only use `ok`, `no` and `bad`.
public enum ConditionState: String, Hashable, Sendable {
    case ok = "OK"
    case no = "NO"
    case bad = "BAD"
    case preauth = "PREAUTH"
    case bye = "BYE"
}
