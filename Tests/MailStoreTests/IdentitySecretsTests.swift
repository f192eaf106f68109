import Credentials
import Foundation
import GRDB
@testable import MailStore
import OpenSSLKit
import TestSupport
import Testing

@Suite struct IdentitySecretsTests {
    static let password = "Cl3ar-Passw0rd-Marker"
    static let token = "ya29.Token-Marker-0123456789"

    /// Whether `needle` occurs in the store file or its log.
    func filesContain(_ path: String, _ needle: String) throws -> Bool {
        let pattern = Array(needle.utf8)
        for file in [path, path + "-wal"] where FileManager.default.fileExists(atPath: file) {
            let bytes = try fileBytes(file)
            if bytes.count >= pattern.count,
               (0...(bytes.count - pattern.count)).contains(where: { bytes[$0..<($0 + pattern.count)].elementsEqual(pattern) }) {
                return true
            }
        }
        return false
    }

    func source(_ fixture: StoreFixture, _ name: String = "store.key") -> StoreKeySource {
        StoreKeySource(environmentVariable: nil, keyFile: fixture.directory.file(name))
    }

    @Test func secretsAreSealedOnDiskAndTheKeyFileIsCreated0600() throws {
        let fixture = try StoreFixture()
        let keys = source(fixture)
        let store = try fixture.open(.init(keySource: keys))
        #expect(!FileManager.default.fileExists(atPath: keys.keyFile), "no key before the first secret")
        let bob = try store.addIdentity(RemoteIdentity(userID: "u1", server: "imap.example.org", login: "bob",
                                                       password: Secret(Self.password), oauthToken: Secret(Self.token)))
        let attributes = try FileManager.default.attributesOfItem(atPath: keys.keyFile)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try !filesContain(fixture.path, Self.password))
        #expect(try !filesContain(fixture.path, Self.token))
        #expect(try filesContain(fixture.path, "imap.example.org:993"), "the search itself works")
        let read = try #require(try store.identity(id: bob.id))
        #expect(read.password?.value == Self.password && read.oauthToken?.value == Self.token)
        // The key file is never inside the store.
        #expect(try !filesContain(fixture.path, String(decoding: try fileBytes(keys.keyFile), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    @Test func aWrongKeyIsAClearErrorThatNamesTheKeySource() throws {
        let fixture = try StoreFixture()
        let id: UUID
        do {
            let store = try fixture.open(.init(keySource: source(fixture)))
            id = try store.addIdentity(RemoteIdentity(userID: "u1", server: "imap.example.org", login: "bob",
                                                      password: Secret(Self.password))).id
        }
        let other = source(fixture, "other.key")
        try (Data(try SecretSealer.randomKey()).base64EncodedString() + "\n")
            .write(toFile: other.keyFile, atomically: true, encoding: .utf8)
        let store = try fixture.open(.init(keySource: other))
        let error = #expect(throws: MailStoreError.self) { try store.identity(id: id) }
        #expect(error == .secretKeyMismatch(source: "key file \(other.keyFile)", identity: id.uuidString))
        #expect(!"\(String(describing: error))".contains(Self.password))
        // A missing key file is not created to read with: there is nothing it could open.
        let missing = source(fixture, "missing.key")
        let store2 = try fixture.open(.init(keySource: missing))
        #expect(throws: MailStoreError.self) { try store2.identities(userID: "u1") }
        #expect(!FileManager.default.fileExists(atPath: missing.keyFile))
        // A malformed key.
        try "not a key".write(toFile: other.keyFile, atomically: true, encoding: .utf8)
        let store3 = try fixture.open(.init(keySource: other))
        #expect(throws: MailStoreError.secretKeyUnavailable(source: "key file \(other.keyFile)",
                                                            reason: "not base64 of 32 bytes")) {
            try store3.identity(id: id)
        }
    }

    @Test func aSealedValueMovedToAnotherRowDoesNotOpen() throws {
        let fixture = try StoreFixture()
        let store = try fixture.open(.init(keySource: source(fixture)))
        let bob = try store.addIdentity(RemoteIdentity(userID: "u1", server: "a.example.org", login: "bob",
                                                       password: Secret(Self.password)))
        let eve = try store.addIdentity(RemoteIdentity(userID: "u1", server: "b.example.org", login: "eve"))
        try store.pool.write { db in
            try db.execute(sql: "UPDATE identities SET sealed_password = (SELECT sealed_password FROM identities WHERE id = ?) WHERE id = ?",
                           arguments: [bob.id.uuidString, eve.id.uuidString])
        }
        #expect(throws: MailStoreError.secretKeyMismatch(source: "key file \(source(fixture).keyFile)",
                                                         identity: eve.id.uuidString)) {
            try store.identity(id: eve.id)
        }
    }

    @Test func aVersion1StoreIsMigratedAndItsClearPasswordsLeaveTheFiles() throws {
        let fixture = try StoreFixture()
        try FileManager.default.createDirectory(atPath: (fixture.path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        let keys = source(fixture)
        let first = UUID(), second = UUID(), third = UUID()
        do {
            // The store as the version-1 build left it: only the first migration's SQL.
            var configuration = Configuration()
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
            let queue = try DatabaseQueue(path: fixture.path, configuration: configuration)
            try StoreSchema.migrator(secrets: StoreSecrets(source: keys))
                .migrate(queue, upTo: "v1-identities-mailboxes-messages")
            try queue.write { db in
                for (id, server, login, password, created) in [
                    (first, "IMAP.Example.org", "bob", Self.password, 1.0),
                    (second, "imap.example.org:993", "bob", Self.password + "-2", 2.0),
                    (third, "[::0:1]:143", "carol", Self.password + "-3", 3.0),
                ] {
                    try db.execute(sql: """
                        INSERT INTO identities (id, user_id, server, login, password, auth_mechanisms, tls, mailboxes,
                            status, error_count, created_at)
                        VALUES (?, 'u1', ?, ?, ?, '["PLAIN"]', ?, '["INBOX"]', 'active', 0, ?)
                        """, arguments: [id.uuidString, server, login, password,
                                         id == third ? #"{"connection":"starttls"}"# : "{}", created])
                }
            }
            #expect(try filesContain(fixture.path, Self.password), "the old store holds the clear text")
        }
        do {
            let store = try fixture.open(.init(keySource: keys))
            let identities = try store.identities(userID: "u1")
            #expect(identities.map(\.server) == ["imap.example.org:993", "imap.example.org:993", "[::1]:143"])
            #expect(identities.map { $0.password?.value } == [Self.password, Self.password + "-2", Self.password + "-3"])
            #expect(identities.map(\.status) == [.active, .inactive, .active])
            #expect(identities[1].inactiveReason == "duplicate of identity \(first.uuidString)")
            #expect(try store.integrityCheck())
            // While the store is open, its log included.
            #expect(try !filesContain(fixture.path, Self.password), "clear password left in the open store's files")
        }
        #expect(FileManager.default.fileExists(atPath: keys.keyFile))
        for marker in [Self.password, Self.password + "-2", Self.password + "-3"] {
            #expect(try !filesContain(fixture.path, marker), "clear password left in the files")
        }
    }

    @Test func theEnvironmentVariableWinsOverTheKeyFile() throws {
        let fixture = try StoreFixture()
        let name = "IMAPWORKER_TEST_KEY_\(UUID().uuidString.prefix(8))"
        let keys = StoreKeySource(environmentVariable: name, keyFile: fixture.directory.file("unused.key"))
        setenv(name, Data(try SecretSealer.randomKey()).base64EncodedString(), 1)
        defer { unsetenv(name) }
        #expect(keys.description == "environment variable \(name)")
        let store = try fixture.open(.init(keySource: keys))
        let bob = try store.addIdentity(RemoteIdentity(userID: "u1", server: "imap.example.org", login: "bob",
                                                       password: Secret(Self.password)))
        #expect(!FileManager.default.fileExists(atPath: keys.keyFile))
        #expect(try store.identity(id: bob.id)?.password?.value == Self.password)
        setenv(name, "c2hvcnQ=", 1)
        let short = try fixture.open(.init(keySource: keys))
        #expect(throws: MailStoreError.secretKeyUnavailable(source: "environment variable \(name)",
                                                            reason: "not base64 of 32 bytes")) {
            try short.identity(id: bob.id)
        }
    }
}
