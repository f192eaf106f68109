import Credentials
import Foundation
import MailStore
import Testing

@Suite struct IdentityTests {
    static let password = "hunter2-Sup3rS3cret"

    func makeIdentity(user: String = "u1", login: String = "bob") -> RemoteIdentity {
        RemoteIdentity(userID: user, server: "imap.example.org:993", login: login,
                       password: Secret(Self.password),
                       tls: .init(connection: .starttls, caFile: "/etc/ca.pem", pinnedFingerprints: ["sha256$AB"],
                                  minimumVersion: "1.3", verifyPeer: false),
                       mailboxes: ["INBOX", "Lists/Développement"])
    }

    @Test func crudRoundTripsEveryField() throws {
        let fixture = try StoreFixture()
        let store = try fixture.open()
        let bob = try store.addIdentity(makeIdentity())
        let carol = try store.addIdentity(RemoteIdentity(userID: "u1", server: "[::1]:143", login: "carol"))
        _ = try store.addIdentity(makeIdentity(user: "u2", login: "dave"))

        #expect(try store.identity(id: bob.id) == bob)
        #expect(try store.identity(id: bob.id)?.password?.value == Self.password)
        #expect(try store.identity(id: UUID()) == nil)
        #expect(try store.identities(userID: "u1").map(\.login) == ["bob", "carol"])
        #expect(carol.authMechanisms == ["PLAIN", "LOGIN"] && carol.mailboxes == ["INBOX"])
        #expect(carol.tls == RemoteIdentity.TLSSettings() && carol.password == nil)
        #expect(carol.hostAndPort?.host == "::1" && carol.hostAndPort?.port == 143)
        #expect(bob.accountKey == "bob@imap.example.org:993")
        #expect(try store.userIDs() == ["u1", "u2"])
        #expect(throws: MailStoreError.alreadyExists("identity \(bob.id.uuidString)")) { try store.addIdentity(bob) }

        var changed = bob
        changed.login = "robert"
        changed.password = nil
        changed.authMechanisms = ["SCRAM-SHA-256"]
        changed.mailboxes = ["Archive"]
        changed.tls.connection = .tunnel
        changed.tls.tunnelCommand = "ssh mail imapd"
        changed.errorCount = 7  // not configuration: ignored by updateIdentity
        try store.updateIdentity(changed)
        changed.errorCount = 0
        #expect(try store.identity(id: bob.id) == changed)

        try store.setStatus(id: carol.id, status: .inactive)
        #expect(try store.allActiveIdentities().map(\.login) == ["robert", "dave"])

        #expect(try store.deleteIdentity(id: carol.id))
        #expect(try !store.deleteIdentity(id: carol.id))
        #expect(try store.identities(userID: "u1").map(\.login) == ["robert"])
        #expect(throws: MailStoreError.notFound("identity \(carol.id.uuidString)")) {
            try store.setStatus(id: carol.id, status: .active)
        }
        #expect(throws: MailStoreError.notFound("identity \(carol.id.uuidString)")) { try store.updateIdentity(carol) }
    }

    @Test func checkResultsCountErrorsAndKeepTheFirstErrorTime() throws {
        let fixture = try StoreFixture()
        let store = try fixture.open()
        let bob = try store.addIdentity(makeIdentity())
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)

        try store.recordCheckFailed(id: bob.id, at: t0, error: "connection refused")
        try store.recordCheckFailed(id: bob.id, at: t0 + 60, error: "authentication failed")
        var stored = try #require(try store.identity(id: bob.id))
        #expect(stored.errorCount == 2)
        #expect(stored.firstErrorAt == t0)
        #expect(stored.lastErrorAt == t0 + 60)
        #expect(stored.lastCheck == t0 + 60)
        #expect(stored.lastError == "authentication failed")

        try store.recordCheckSucceeded(id: bob.id, at: t0 + 120)
        stored = try #require(try store.identity(id: bob.id))
        #expect(stored.errorCount == 0 && stored.firstErrorAt == nil && stored.lastErrorAt == nil && stored.lastError == nil)
        #expect(stored.lastCheck == t0 + 120)

        try store.recordCheckFailed(id: bob.id, at: t0 + 180, error: "timeout")
        stored = try #require(try store.identity(id: bob.id))
        #expect(stored.errorCount == 1 && stored.firstErrorAt == t0 + 180)
        #expect(throws: MailStoreError.notFound("identity \(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)).uuidString)")) {
            try store.recordCheckSucceeded(id: UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)))
        }
    }

    @Test func passwordIsNeverPrinted() throws {
        let identity = makeIdentity()
        var dumped = ""
        dump(identity, to: &dumped)
        var dumpedList = ""
        dump([identity], to: &dumpedList)
        let renderings = [
            String(describing: identity), String(reflecting: identity), identity.debugDescription, "\(identity)",
            "\([identity])", String(reflecting: [identity]), dumped, dumpedList,
            String(describing: identity.password), String(reflecting: identity.password),
        ]
        for text in renderings {
            #expect(!text.contains(Self.password), "password printed in: \(text)")
        }
        #expect(String(describing: identity).contains("<redacted>"))
        #expect(dumped.contains("bob"))
        // Stored and read back in clear, since the worker must send it.
        let fixture = try StoreFixture()
        let store = try fixture.open()
        try store.addIdentity(identity)
        #expect(try store.identity(id: identity.id)?.password?.value == Self.password)
    }
}
