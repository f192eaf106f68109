import Credentials
import Foundation

/// Turns an order document into an `Order`, or says why not. Never traps, whatever the bytes:
/// the size is checked before parsing, JSON is parsed by Foundation (bounded depth), and every
/// known field is checked for its type. Unknown fields are ignored so that newer senders (and
/// Caliopen's extra fields) still work.
public struct OrderParser: Sendable {
    public var maxBytes: Int
    public var makeOrderID: @Sendable () -> String

    public init(maxBytes: Int = 65536, makeOrderID: @escaping @Sendable () -> String = { UUID().uuidString.lowercased() }) {
        self.maxBytes = maxBytes
        self.makeOrderID = makeOrderID
    }

    /// The fields that must be strings when present.
    static let stringFields = ["order", "order_id", "user_id", "identity_id", "login", "password", "server",
                               "mailbox", "reply_to", "message", "local_mailbox", "local_uid"]

    public func parse(_ bytes: [UInt8]) -> Result<Order, OrderRejection> {
        guard bytes.count <= maxBytes else {
            return .failure(OrderRejection("order of \(bytes.count) bytes exceeds the limit of \(maxBytes) bytes"))
        }
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: Data(bytes), options: [])
        } catch {
            return .failure(OrderRejection("not valid JSON"))
        }
        // Foundation accepts `{"a":1,}`; RFC 8259 does not.
        guard !Self.hasTrailingComma(bytes) else { return .failure(OrderRejection("not valid JSON (trailing comma)")) }
        guard let object = root as? [String: Any] else {
            return .failure(OrderRejection("an order must be a JSON object"))
        }
        return Self.order(from: object, makeID: makeOrderID)
    }

    static func order(from object: [String: Any], makeID: () -> String) -> Result<Order, OrderRejection> {
        var fields: [String: String] = [:]
        var partial = OrderRejection("")
        // Read what can be read first, so that a rejection still names the order.
        for name in stringFields {
            if let text = object[name] as? String { fields[name] = text }
        }
        partial.orderID = fields["order_id"]
        partial.kind = fields["order"]
        partial.userID = fields["user_id"]
        partial.identityID = fields["identity_id"]
        func reject(_ reason: String) -> Result<Order, OrderRejection> {
            var rejection = partial
            rejection.reason = reason
            return .failure(rejection)
        }
        for name in stringFields {
            guard let value = object[name], !(value is NSNull) else { continue }
            guard value is String, !isNumberOrBool(value) else { return reject("field \(name) must be a string") }
        }
        guard let kindText = fields["order"] else { return reject("missing field order") }
        guard let kind = Order.Kind(rawValue: kindText) else { return reject("unknown order \(kindText.prefix(64))") }
        if let id = fields["order_id"], id.isEmpty || id.utf8.count > 200 {
            return reject("field order_id must be 1 to 200 bytes")
        }
        var mailboxes: [String] = []
        if let mailbox = fields["mailbox"] { mailboxes.append(mailbox) }
        if let list = object["mailboxes"], !(list is NSNull) {
            guard let items = list as? [Any] else { return reject("field mailboxes must be a list of strings") }
            for item in items {
                guard let name = item as? String, !isNumberOrBool(item) else {
                    return reject("field mailboxes must be a list of strings")
                }
                mailboxes.append(name)
            }
        }
        if mailboxes.contains(where: \.isEmpty) { return reject("a mailbox name is empty") }
        var identityID: UUID?
        if let text = fields["identity_id"] {
            guard let id = UUID(uuidString: text) else { return reject("field identity_id must be a UUID") }
            identityID = id
        }
        var order = Order(kind: kind, orderID: fields["order_id"] ?? makeID(), userID: fields["user_id"],
                          identityID: identityID, login: fields["login"], password: fields["password"].map { Secret($0) },
                          server: fields["server"], mailboxes: mailboxes, replyTo: fields["reply_to"])
        if let text = fields["message"] {
            // Strict base64 (RFC 4648, no line breaks): a mangled message is refused, never filed.
            guard let raw = Data(base64Encoded: text), !raw.isEmpty else {
                return reject("field message must be a non-empty base64 string")
            }
            order.message = Array(raw)
        }
        if let mailbox = fields["local_mailbox"] {
            guard let text = fields["local_uid"], let uid = UInt32(text), uid > 0 else {
                return reject("field local_uid must be a UID (1 to 4294967295) with local_mailbox")
            }
            order.localMessage = .init(mailbox: mailbox, uid: uid)
        } else if fields["local_uid"] != nil {
            return reject("field local_uid needs local_mailbox")
        }
        if let value = object["push"], !(value is NSNull) {
            guard let push = value as? Bool else { return reject("field push must be true or false") }
            order.push = push
        }
        if let missing = missingField(order) { return reject(missing) }
        return .success(order)
    }

    /// What each kind needs, beyond `order`.
    static func missingField(_ order: Order) -> String? {
        switch order.kind {
        case .status, .test:
            return nil
        case .deliver:
            if order.message == nil && order.localMessage == nil { return "missing field message (or local_mailbox and local_uid)" }
            if order.message != nil && order.localMessage != nil { return "give message or local_mailbox, not both" }
            if order.mailboxes.count > 1 { return "deliver files a message in one mailbox" }
            fallthrough
        case .fullfetch, .sync:
            if order.userID == nil { return "missing field user_id" }
            if order.identityID != nil { return nil }
            if order.login == nil { return "missing field login (or identity_id)" }
            if order.server == nil { return "missing field server (or identity_id)" }
            return nil
        case .addremote:
            if order.userID == nil { return "missing field user_id" }
            if order.login == nil { return "missing field login" }
            if order.server == nil { return "missing field server" }
            return nil
        }
    }

    /// A `,` followed (after white space) by `}` or `]`, outside strings.
    static func hasTrailingComma(_ bytes: [UInt8]) -> Bool {
        var inString = false
        var escaped = false
        var afterComma = false
        for byte in bytes {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true; afterComma = false
            case UInt8(ascii: ","): afterComma = true
            case UInt8(ascii: "}"), UInt8(ascii: "]"): if afterComma { return true }
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): continue
            default: afterComma = false
            }
        }
        return false
    }

    /// JSONSerialization gives NSNumber for numbers and booleans; on Linux an NSNumber never casts
    /// to String, but be explicit.
    private static func isNumberOrBool(_ value: Any) -> Bool { value is NSNumber }
}
