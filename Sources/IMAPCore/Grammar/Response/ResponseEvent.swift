/// One unit of what the server sent, as returned by ``ResponseParser/next(_:)``.
public enum ResponseEvent: Hashable, Sendable {
    case untagged(UntaggedResponse)
    case tagged(TaggedResponse)
    /// `+ text`: the text after `+ ` (base64 during AUTHENTICATE), empty for a bare `+`.
    case continuation(String)
    /// A piece of a `* n FETCH (…)` response.
    case fetch(FetchEvent)
}
