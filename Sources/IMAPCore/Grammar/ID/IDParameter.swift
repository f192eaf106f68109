/// One field of a `* ID` response (RFC 2971 §3.3): a name such as `name`, `version`, `vendor`,
/// and its value (nil for `NIL`). Kept in the order sent; names are not unique-checked.
public struct IDParameter: Hashable, Sendable {
    public var key: String
    public var value: String?

    public init(key: String, value: String?) {
        self.key = key
        self.value = value
    }
}
