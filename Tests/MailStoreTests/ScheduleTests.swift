import Foundation
import MailStore
import Testing

/// The daemon's schedule in the store: workers sharing it claim each due identity once per
/// interval, leases expire, the first round is spread, push identities have one holder each.
@Suite struct ScheduleTests {
    func identities(_ store: MailStore, count: Int) throws -> [RemoteIdentity] {
        try (0..<count).map { index in
            try store.addIdentity(RemoteIdentity(userID: "u\(index % 3)", server: "imap.example.org:993", login: "user\(index)"))
        }
    }

    @Test func twoWorkersClaimEachDueIdentityOncePerInterval() throws {
        let fixture = try StoreFixture()
        let (a, b) = (try fixture.open(), try fixture.open())
        let all = try identities(a, count: 10)
        let now = Date()
        // The first round is spread over [now, now + 100 s): nothing is due before it starts.
        #expect(try a.claimDueIdentities(owner: "a", limit: 100, interval: 100, firstRoundSpread: 100, leaseSeconds: 150,
                                         now: now - 1).isEmpty)
        let spread = try all.map { try #require(try a.nextScheduledSync(identityID: $0.id)) }
        #expect(spread.allSatisfy { $0 >= now - 1 && $0 < now + 99 })
        #expect(Set(spread).count > 1, "jittered: \(spread)")

        let later = now + 100
        let first = try a.claimDueIdentities(owner: "a", limit: 4, interval: 100, firstRoundSpread: 100, leaseSeconds: 150,
                                             now: later)
        let second = try b.claimDueIdentities(owner: "b", limit: 100, interval: 100, firstRoundSpread: 100, leaseSeconds: 150,
                                              now: later)
        #expect(first.count == 4 && second.count == 6)
        #expect(Set(first.map(\.id)).isDisjoint(with: second.map(\.id)))
        #expect(Set((first + second).map(\.id)) == Set(all.map(\.id)))
        #expect(first.allSatisfy { claimed in all.contains { $0.id == claimed.id && $0.userID == claimed.userID } })
        // Nobody gets them again within the interval, whether the runs ended or not.
        for identity in first { try a.endScheduleLease(identityID: identity.id, owner: "a", now: later + 5) }
        #expect(try b.claimDueIdentities(owner: "b", limit: 100, interval: 100, firstRoundSpread: 100, leaseSeconds: 150,
                                         now: later + 99).isEmpty)
        // Next interval: the ended ones are due; b's still-running ones are leased to b until its lease expires.
        let next = try a.claimDueIdentities(owner: "a", limit: 100, interval: 100, firstRoundSpread: 100, leaseSeconds: 150,
                                            now: later + 100)
        #expect(Set(next.map(\.id)) == Set(first.map(\.id)))
        let takenOver = try a.claimDueIdentities(owner: "a", limit: 100, interval: 100, firstRoundSpread: 100,
                                                 leaseSeconds: 150, now: later + 151)
        #expect(Set(takenOver.map(\.id)) == Set(second.map(\.id)), "b's leases expired at +150")
    }

    @Test func refreshedLeasesAreKeptAndGivenBackRunsAreDueAtOnce() throws {
        let fixture = try StoreFixture()
        let store = try fixture.open()
        let one = try #require(try identities(store, count: 1).first)
        let t0 = Date()
        #expect(try store.claimDueIdentities(owner: "a", limit: 1, interval: 10, firstRoundSpread: 0.001, leaseSeconds: 30,
                                             now: t0).map(\.id) == [one.id])
        #expect(try store.refreshScheduleLease(identityID: one.id, owner: "a", leaseSeconds: 30, now: t0 + 25))
        #expect(!(try store.refreshScheduleLease(identityID: one.id, owner: "b", leaseSeconds: 30, now: t0 + 25)))
        #expect(try store.claimDueIdentities(owner: "b", limit: 1, interval: 10, firstRoundSpread: 1, leaseSeconds: 30,
                                             now: t0 + 40).isEmpty, "a refreshed its lease to +55")
        try store.endScheduleLease(identityID: one.id, owner: "a", dueAgain: true, now: t0 + 41)
        #expect(try store.claimDueIdentities(owner: "b", limit: 1, interval: 10, firstRoundSpread: 1, leaseSeconds: 30,
                                             now: t0 + 41).map(\.id) == [one.id])
    }

    @Test func inactiveAndExcludedIdentitiesAreNotClaimed() throws {
        let fixture = try StoreFixture()
        let store = try fixture.open()
        let all = try identities(store, count: 3)
        try store.setStatus(id: all[0].id, status: .inactive, reason: "test")
        let t0 = Date()
        let claimed = try store.claimDueIdentities(owner: "a", limit: 10, interval: 10, firstRoundSpread: 0.001,
                                                   leaseSeconds: 30, excluding: [all[1].id], now: t0 + 1)
        #expect(claimed.map(\.id) == [all[2].id])
    }

    @Test func pushIdentitiesHaveOneHolderUpToItsLimit() throws {
        let fixture = try StoreFixture()
        let (a, b) = (try fixture.open(), try fixture.open())
        let all = try identities(a, count: 5)
        try a.setPush(identityID: all[0].id, false)
        try a.setPush(identityID: all[1].id, true)
        #expect(try a.pushSetting(identityID: all[0].id) == false && a.pushSetting(identityID: all[2].id) == nil)
        let t0 = Date()
        // push.enabled off: only the identity that asked for push.
        #expect(try a.claimPushIdentities(owner: "a", limit: 10, defaultEnabled: false, leaseSeconds: 60, now: t0)
            .map(\.id) == [all[1].id])
        // On by default: all but the one that said no, split between the workers by their limits.
        let heldByA = try a.claimPushIdentities(owner: "a", limit: 2, defaultEnabled: true, leaseSeconds: 60, now: t0)
        let heldByB = try b.claimPushIdentities(owner: "b", limit: 10, defaultEnabled: true, leaseSeconds: 60, now: t0)
        #expect(heldByA.count == 2 && heldByA.contains { $0.id == all[1].id }, "a keeps what it held")
        #expect(heldByB.count == 2 && Set(heldByA.map(\.id)).isDisjoint(with: heldByB.map(\.id)))
        #expect(!(heldByA + heldByB).contains { $0.id == all[0].id })
        // a stops refreshing (killed): b takes its identities once the lease has expired.
        #expect(try b.claimPushIdentities(owner: "b", limit: 10, defaultEnabled: true, leaseSeconds: 60, now: t0 + 30).count == 2)
        #expect(try b.claimPushIdentities(owner: "b", limit: 10, defaultEnabled: true, leaseSeconds: 60, now: t0 + 61).count == 4)
        // An identity turned off or inactive is let go; a released worker's identities are free at once.
        try a.setPush(identityID: all[1].id, false)
        try a.setStatus(id: all[2].id, status: .inactive)
        #expect(try b.claimPushIdentities(owner: "b", limit: 10, defaultEnabled: true, leaseSeconds: 60, now: t0 + 62).count == 2)
        try b.releasePushIdentities(owner: "b")
        #expect(try a.claimPushIdentities(owner: "a", limit: 10, defaultEnabled: true, leaseSeconds: 60, now: t0 + 63).count == 2)
        #expect(throws: MailStoreError.self) { try a.setPush(identityID: UUID(), true) }
    }
}
