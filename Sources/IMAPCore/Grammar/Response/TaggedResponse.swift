/// The completion of a command (`response-tagged`, RFC 3501 §7.1): `tag OK/NO/BAD [code] text`.
public struct TaggedResponse: Hashable, Sendable {
    public var tag: String
    /// `.ok`, `.no` or `.bad`.
    public var state: ConditionState
    public var code: ResponseCode?
    public var text: String

    public init(tag: String, state: ConditionState, code: ResponseCode? = nil, text: String) {
        self.tag = tag
        self.state = state
        self.code = code
        self.text = text
    }
}
