import Credentials
import Foundation
import IMAPClient
import IMAPCore
import Logging
import NIOCore
import OpenSSLKit
import SyncEngine
import SyncIMAP
import TestSupport

let testLogger: Logger = {
    var logger = Logger(label: "imapworker.test.syncimap")
    logger.logLevel = .warning
    return logger
}()

extension DovecotServer {
    /// An InterIMAP section for this server (`type` imaps / imap with STARTTLS / tunnel).
    func settings(_ type: ConnectionSettings.ConnectionType = .imaps, side: Side = .remote) -> ConnectionSettings {
        var settings = ConnectionSettings(side: side)
        settings.type = type
        settings.host = host
        settings.username = users[0].user
        settings.password = ConfigurationSecret(users[0].password)
        settings.compress = false
        switch type {
        case .imaps:
            settings.port = String(imapsPort)
            settings.sslCAFile = caFile
        case .imap:
            settings.port = String(imapPort)
            settings.sslCAFile = caFile
        case .tunnel:
            settings.command = tunnelCommand().map { "'\($0)'" }.joined(separator: " ")
            settings.nullStderr = true
            settings.username = nil
            settings.password = nil
        }
        return settings
    }

    /// A plain session for "another writer" (imaps).
    func otherConfiguration() -> IMAPClientConfiguration {
        var tls = TLSConfiguration()
        tls.caFile = caFile
        return IMAPClientConfiguration(server: ServerAddress(host: host, port: imapsPort), kind: .imaps, tls: tls,
                                       username: users[0].user, password: Secret(users[0].password),
                                       connectTimeout: .seconds(60), commandTimeout: .seconds(60))
    }

    @discardableResult
    func withEndpoint<R>(_ type: ConnectionSettings.ConnectionType = .imaps,
                         _ body: (IMAPMailboxEndpoint) async throws -> R) async throws -> R {
        try await IMAPEndpointConnector.withEndpoint(settings(type), side: .remote, logger: testLogger, body)
    }

    @discardableResult
    func withOther<R>(_ body: (IMAPSession) async throws -> R) async throws -> R {
        try await IMAPSession.withSession(otherConfiguration(), logger: testLogger, body)
    }
}

/// A small distinct message.
func message(_ n: Int, tag: String = "m", padding: Int = 0) -> ByteBuffer {
    var text = "From: a@example.org\r\nTo: b@example.org\r\nSubject: \(tag) \(n)\r\nMessage-ID: <\(tag)-\(n)@example.org>\r\n\r\n"
    text += "body \(n)\r\n"
    if padding > 0 { text += String(repeating: "x", count: padding) + "\r\n" }
    return ByteBuffer(string: text)
}

func sha256(_ buffer: ByteBuffer) -> [UInt8] { SHA256.hash(Array(buffer.readableBytesView)) }

/// Appends `count` messages to `mailbox` through another session; returns their bytes by UID.
@discardableResult
func seed(_ server: DovecotServer, mailbox: MailboxName, count: Int, tag: String = "m",
          flags: [MessageFlag] = []) async throws -> [UID: ByteBuffer] {
    try await server.withOther { session in
        let existing = try await session.list(pattern: mailbox.name).value
        if existing.isEmpty, !mailbox.isInbox { try await session.create(mailbox).value }
        let bodies = (1...count).map { message($0, tag: tag) }
        let messages = bodies.map { AppendMessage(flags: flags, internalDate: InternalDate(epoch: 1_700_000_000, utcOffsetMinutes: 120), data: $0) }
        let result = try await session.append(messages, to: mailbox).value
        let uids = result.map { Array($0.uids) } ?? []
        return Dictionary(uniqueKeysWithValues: zip(uids, bodies))
    }
}

/// A batch of in-memory messages for `append`.
func batch(_ messages: [OutgoingMessage]) -> AppendBatch {
    AppendBatch(count: messages.count, messages: AsyncThrowingStream { continuation in
        for message in messages { continuation.yield(message) }
        continuation.finish()
    })
}

func outgoing(_ body: ByteBuffer, uid: UInt32 = 1, flags: FlagList = [], date: MessageDate? = nil) -> OutgoingMessage {
    OutgoingMessage(summary: MessageSummary(uid: UID(rawValue: uid) ?? .min, flags: flags, modSeq: 0, size: body.readableBytes,
                                            internalDate: date),
                    body: MessageBody(bytes: body))
}

func uidSet(_ values: UInt32...) -> UIDSet {
    UIDSet(uids: values.compactMap(UID.init(rawValue:))) ?? UIDSet(.min)
}

func uid(_ value: UInt32) -> UID { UID(rawValue: value) ?? .min }
