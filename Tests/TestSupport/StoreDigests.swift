import Foundation
import MailStore
import OpenSSLKit

/// SHA-256 digests of a user's stored messages, per mailbox name.
public func storedDigests(_ database: String, userID: String) throws -> [String: [String]] {
    let store = try MailStore(path: database, options: .init(readOnly: true))
    var out: [String: [String]] = [:]
    for mailbox in try store.mailboxes(userID: userID) {
        var digests: [String] = []
        try store.forEachMessage(mailboxID: mailbox.id) { message in
            // Recompute from the bytes: the stored digest must also be right.
            let digest = SHA256.hexDigest(message.raw)
            if digest != message.sha256 { digests.append("stored digest wrong for UID \(message.uid)") }
            digests.append(digest)
        }
        out[mailbox.name] = digests.sorted()
    }
    return out
}

public func manifestDigests(_ manifest: CorpusManifest?) -> [String: [String]] {
    var out: [String: [String]] = [:]
    for (name, mailbox) in manifest?.mailboxes ?? [:] where !mailbox.messages.isEmpty {
        out[name] = mailbox.messages.map(\.sha256).sorted()
    }
    return out
}
