import Credentials
import Foundation
import IMAPClient
import IMAPCore
import Logging
import OpenSSLKit
import TestSupport

/// Client configurations for a test Dovecot.
extension DovecotServer {
    func clientConfiguration(_ kind: ConnectionKind = .imaps, user: Int = 0,
                             password: String? = nil) -> IMAPClientConfiguration {
        var tls = TLSConfiguration()
        tls.caFile = caFile
        let port = switch kind {
        case .imaps: imapsPort
        default: imapPort
        }
        return IMAPClientConfiguration(
            server: ServerAddress(host: host, port: port), kind: kind, tls: tls,
            username: users[user].user, password: Secret(password ?? users[user].password),
            connectTimeout: .seconds(60), commandTimeout: .seconds(60))
    }
}

let testLogger: Logger = {
    var logger = Logger(label: "imapworker.test")
    logger.logLevel = .warning
    return logger
}()

/// Fetches every message of `mailbox` and returns SHA-256 (hex) by UID.
func fetchDigests(_ session: IMAPSession, mailbox: MailboxName) async throws -> [UInt32: String] {
    let selection = try await session.examine(mailbox).value
    var uids: [UID] = []
    if selection.exists > 0 {
        try await session.uidFetchSizes { uid, _ in uids.append(uid) }
    }
    var digests: [UInt32: String] = [:]
    let chunks = stride(from: 0, to: uids.count, by: 50).compactMap { UIDSet(uids: uids[$0..<min($0 + 50, uids.count)]) }
    try await session.uidFetchMessages(chunks, commandsInFlight: 3) { message in
        if let uid = message.uid { digests[uid.rawValue] = SHA256.hexDigest(Array(message.body.readableBytesView)) }
    }
    return digests
}

func expectedDigests(_ manifest: CorpusManifest?, mailbox: String) -> [UInt32: String] {
    var out: [UInt32: String] = [:]
    for m in manifest?.mailboxes[mailbox]?.messages ?? [] { out[UInt32(m.uid)] = m.sha256 }
    return out
}
