import Credentials
import Foundation
import MailStore
import TestSupport
import Testing

@Suite struct IdentityRulesTests {
    @Test(arguments: [
        ("imap.x.org", RemoteIdentity.TLSSettings.Connection.imaps, "imap.x.org:993"),
        ("IMAP.X.org:993", .imaps, "imap.x.org:993"),
        (" imap.x.org ", .starttls, "imap.x.org:143"),
        ("imap.x.org", .plain, "imap.x.org:143"),
        ("imap.x.org:1993", .imaps, "imap.x.org:1993"),
        ("::1", .imaps, "[::1]:993"),
        ("[::1]", .starttls, "[::1]:143"),
        ("[0:0::0:1]:10143", .plain, "[::1]:10143"),
        ("[2001:DB8::A]:993", .imaps, "[2001:db8::a]:993"),
        ("127.0.0.1", .imaps, "127.0.0.1:993"),
        ("", .tunnel, ""),
        ("mail.x.org", .tunnel, "mail.x.org:143"),
    ])
    func serversAreNormalised(_ input: String, _ connection: RemoteIdentity.TLSSettings.Connection, _ expected: String) throws {
        #expect(try NormalizedServer.normalize(input, connection: connection) == expected)
    }

    @Test(arguments: ["", "host:0", "host:99999", "host:x", "[::1", "[::1]x", "[zz::1]:993", ":993"])
    func badServersAreRefused(_ input: String) {
        #expect(throws: MailStoreError.self) { try NormalizedServer.normalize(input, connection: .imaps) }
    }

    @Test func oneIdentityPerUserLoginAndNormalisedServer() throws {
        let fixture = try StoreFixture()
        let store = try fixture.open()
        let first = try store.addIdentity(RemoteIdentity(userID: "u1", server: "imap.x.org", login: "bob"))
        #expect(first.server == "imap.x.org:993")
        let error = #expect(throws: MailStoreError.self) {
            try store.addIdentity(RemoteIdentity(userID: "u1", server: "IMAP.x.org:993", login: "bob"))
        }
        #expect(error == .alreadyExists("identity \(first.id.uuidString) for bob@imap.x.org:993 of user u1"))
        // Another kind's default port, another login, another user: other identities.
        try store.addIdentity(RemoteIdentity(userID: "u1", server: "imap.x.org", login: "bob", tls: .init(connection: .starttls)))
        try store.addIdentity(RemoteIdentity(userID: "u1", server: "imap.x.org", login: "carol"))
        try store.addIdentity(RemoteIdentity(userID: "u2", server: "imap.x.org", login: "bob"))
        var moved = try #require(try store.identities(userID: "u1").last)
        moved.login = "bob"
        #expect(throws: MailStoreError.self) { try store.updateIdentity(moved) }
    }

    // MARK: - Failure tracking

    @Test func failuresDeactivateAfterThePeriodAndASuccessResets() {
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        var health = IdentityHealth()
        health.recordFailure(at: t0, error: "connection refused", deactivateAfter: 3600)
        health.recordFailure(at: t0 + 1800, error: "timeout", deactivateAfter: 3600)
        #expect(health.status == .active && health.errorCount == 2 && health.firstErrorAt == t0)
        #expect(health.lastErrorAt == t0 + 1800 && health.lastError == "timeout")
        health.recordFailure(at: t0 + 3600, error: "authentication failed", deactivateAfter: 3600)
        #expect(health.status == .inactive && health.deactivatedByFailures)
        #expect(health.inactiveReason?.contains("authentication failed") == true)
        #expect(health.inactiveReason?.contains(t0.ISO8601Format()) == true)
        health.recordSuccess(at: t0 + 4000)
        #expect(health == IdentityHealth(lastCheck: t0 + 4000))

        // A person's deactivation is not undone by a success.
        var manual = IdentityHealth(status: .inactive, inactiveReason: "paused by the user")
        manual.recordSuccess(at: t0)
        #expect(manual.status == .inactive && manual.inactiveReason == "paused by the user")
        // A success in the middle starts a new run.
        var broken = IdentityHealth()
        broken.recordFailure(at: t0, error: "a", deactivateAfter: 3600)
        broken.recordSuccess(at: t0 + 3000)
        broken.recordFailure(at: t0 + 4000, error: "b", deactivateAfter: 3600)
        #expect(broken.status == .active && broken.firstErrorAt == t0 + 4000 && broken.errorCount == 1)
    }

    @Test func theStoreAppliesTheFailureRules() throws {
        let fixture = try StoreFixture()
        let store = try fixture.open()
        let bob = try store.addIdentity(RemoteIdentity(userID: "u1", server: "imap.x.org", login: "bob"))
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        try store.recordCheckFailed(id: bob.id, at: t0, error: "refused")
        try store.recordCheckFailed(id: bob.id, at: t0 + 71 * 3600, error: "refused")
        #expect(try store.identity(id: bob.id)?.status == .active)
        let health = try store.recordCheckFailed(id: bob.id, at: t0 + 72 * 3600, error: "still refused")
        #expect(health.status == .inactive)
        let stored = try #require(try store.identity(id: bob.id))
        #expect(stored.status == .inactive && stored.errorCount == 3 && stored.inactiveReason == health.inactiveReason)
        #expect(try store.allActiveIdentities().isEmpty)
        try store.recordCheckSucceeded(id: bob.id, at: t0 + 73 * 3600)
        #expect(try store.identity(id: bob.id)?.health == IdentityHealth(lastCheck: t0 + 73 * 3600))
        try store.setStatus(id: bob.id, status: .inactive, reason: "paused")
        #expect(try store.identity(id: bob.id)?.inactiveReason == "paused")
    }

    // MARK: - Sync lock

    @Test func syncLockRules() {
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        let a = SyncLock(owner: "a", expiresAt: t0 + 60)
        #expect(SyncLock.acquire(nil, owner: "a", now: t0, duration: 60) == .granted(a))
        #expect(SyncLock.acquire(a, owner: "b", now: t0 + 59, duration: 60) == .heldBy(a))
        #expect(SyncLock.acquire(a, owner: "b", now: t0 + 60, duration: 60) == .granted(SyncLock(owner: "b", expiresAt: t0 + 120)))
        #expect(SyncLock.acquire(a, owner: "a", now: t0 + 30, duration: 60) == .granted(SyncLock(owner: "a", expiresAt: t0 + 90)))
        #expect(SyncLock.refresh(a, owner: "a", now: t0 + 10, duration: 60) == SyncLock(owner: "a", expiresAt: t0 + 70))
        #expect(SyncLock.refresh(a, owner: "b", now: t0 + 10, duration: 60) == nil)
        #expect(SyncLock.refresh(nil, owner: "a", now: t0, duration: 60) == nil)
        #expect(SyncLock.release(a, owner: "a") && !SyncLock.release(a, owner: "b") && !SyncLock.release(nil, owner: "a"))
    }

    /// A holder whose process is gone from this host (a killed run) loses its lock at once; one on
    /// another host, of another boot, or still running keeps it until it expires.
    @Test func aLockWhoseHolderIsGoneFromThisHostIsTakenOverAtOnce() throws {
        let me = try #require(SyncLockHolder.current(tag: "me"), "no /proc here")
        #expect(SyncLockHolder(owner: me.owner) == me)
        #expect(SyncLockHolder(owner: "old-host pid 12 3f2a9c1b") == nil, "an older owner string: expiry only")
        let exited = Process()
        exited.executableURL = URL(fileURLWithPath: "/bin/true")
        try exited.run()
        exited.waitUntilExit()
        var gone = me
        gone.pid = exited.processIdentifier
        var reused = me
        reused.startTicks += 1
        var elsewhere = gone
        elsewhere.host = "elsewhere.example.org"
        var rebooted = gone
        rebooted.bootID = "00000000-0000-0000-0000-000000000000"
        #expect(gone.isGoneOnThisHost && reused.isGoneOnThisHost)
        #expect(!me.isGoneOnThisHost && !elsewhere.isGoneOnThisHost && !rebooted.isGoneOnThisHost)

        let fixture = try StoreFixture()
        let store = try fixture.open()
        let id = try store.addIdentity(RemoteIdentity(userID: "u1", server: "imap.x.org", login: "bob")).id
        let t0 = Date()
        try store.acquireSyncLock(identityID: id, owner: gone.owner, duration: 300, now: t0)
        #expect(try store.acquireSyncLock(identityID: id, owner: "next", duration: 300, now: t0 + 1).owner == "next")
        for holder in [me, elsewhere, rebooted] {
            try #require(try store.releaseSyncLock(identityID: id, owner: try #require(try store.identity(id: id)?.syncLock?.owner)))
            try store.acquireSyncLock(identityID: id, owner: holder.owner, duration: 300, now: t0)
            #expect(throws: MailStoreError.self, "\(holder.owner)") {
                try store.acquireSyncLock(identityID: id, owner: "next", duration: 300, now: t0 + 1)
            }
        }
    }

    @Test func twoStoresOnOneFileExcludeEachOther() throws {
        let fixture = try StoreFixture()
        let one = try fixture.open()
        let two = try fixture.open()
        let id = try one.addIdentity(RemoteIdentity(userID: "u1", server: "imap.x.org", login: "bob")).id
        let t0 = Date()
        try one.acquireSyncLock(identityID: id, owner: "one", duration: 60, now: t0)
        let held = #expect(throws: MailStoreError.self) {
            try two.acquireSyncLock(identityID: id, owner: "two", duration: 60, now: t0 + 1)
        }
        guard case .syncLockHeld(_, let owner, _)? = held else {
            Issue.record("expected syncLockHeld, got \(String(describing: held))")
            return
        }
        #expect(owner == "one")
        #expect(try two.identity(id: id)?.syncLock == SyncLock(owner: "one", expiresAt: Date(timeIntervalSince1970: (t0 + 60).timeIntervalSince1970)))
        #expect(try !two.releaseSyncLock(identityID: id, owner: "two"))
        #expect(try one.refreshSyncLock(identityID: id, owner: "one", duration: 60, now: t0 + 30))
        #expect(try one.releaseSyncLock(identityID: id, owner: "one"))
        try two.acquireSyncLock(identityID: id, owner: "two", duration: 60, now: t0 + 31)
        // "two" crashes: its lock expires and "one" takes it over; "two" has lost it.
        try one.acquireSyncLock(identityID: id, owner: "one", duration: 60, now: t0 + 92)
        #expect(try !two.refreshSyncLock(identityID: id, owner: "two", duration: 60, now: t0 + 93))
        #expect(try one.identity(id: id)?.syncLock?.owner == "one")
        #expect(throws: MailStoreError.notFound("identity \(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2)).uuidString)")) {
            try one.acquireSyncLock(identityID: UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2)), owner: "x", duration: 1)
        }
    }
}
