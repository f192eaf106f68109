/// The events the transports write by themselves (the worker writes the completion events).
/// Every one is a JSON object with `"type"`; rejections carry a machine-readable `"code"`.
public enum TransportEvents {
    /// Why the transport answered an order by itself.
    public enum RejectionCode: String, Sendable {
        /// No free worker and the order queue is full: send it again later.
        case busy
        /// The worker is shutting down and gave the order back (NATS core cannot redeliver it).
        case shuttingDown = "shutting_down"
        /// The entry can never run (no `order` field, not a JSON object).
        case invalid
        /// The order's `reply_to` names something the worker must not or cannot write to.
        case badReplyTo = "bad_reply_to"
    }

    /// `{"type":"order.rejected","code":…,"reason":…, <where>…}`; `origin` says where the order
    /// came from (`subject`, or `stream` and `entry`), as already-encoded JSON values.
    public static func rejected(code: RejectionCode, reason: String, origin: [(String, String)]) -> [UInt8] {
        Array(JSONText.object([("type", JSONText.quoted("order.rejected")), ("code", JSONText.quoted(code.rawValue))]
            + origin + [("reason", JSONText.quoted(reason))]).utf8)
    }

    /// `{"type":"order.dead_lettered","stream":…,"entry":…,"deliveries":n,"dead_letter_stream":…[,"reason":…]}`.
    public static func deadLettered(stream: String, entry: String, deliveries: Int, deadLetterStream: String,
                                    reason: String? = nil) -> [UInt8] {
        var members: [(String, String)] = [
            ("type", JSONText.quoted("order.dead_lettered")), ("stream", JSONText.quoted(stream)),
            ("entry", JSONText.quoted(entry)), ("deliveries", String(deliveries)),
            ("dead_letter_stream", JSONText.quoted(deadLetterStream)),
        ]
        if let reason { members.append(("reason", JSONText.quoted(reason))) }
        return Array(JSONText.object(members).utf8)
    }
}
