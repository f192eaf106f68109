import Foundation
import IMAPClient
import IMAPCore
import NIOCore
import SyncEngine
import SyncIMAP
import Synchronization
import Testing
import TestSupport

/// ``IMAPMailboxEndpoint`` against a real Dovecot, one method at a time, with a second session
/// playing "another writer".
@Suite(.serialized) struct EndpointDovecotTests {
    let server: DovecotServer

    init() async throws {
        server = try await DovecotServer.start()
    }

    @Test func capabilitiesAndListingWithStatus() async throws {
        try await seed(server, mailbox: "a/b", count: 2)
        try await server.withOther { session in
            try await session.create("Archive").value
            try await session.subscribe("Archive").value
        }
        try await server.withEndpoint { endpoint in
            let caps = try await endpoint.capabilities()
            #expect(caps.missingRequired.isEmpty)
            #expect(caps.contains([.multiappend, .move, .listStatus]))
            let listing = try await endpoint.listMailboxes(MailboxListRequest())
            #expect(listing.delimiter == "/")
            let byName = Dictionary(uniqueKeysWithValues: listing.mailboxes.map { ($0.name.name, $0) })
            #expect(Set(byName.keys).isSuperset(of: ["INBOX", "a", "a/b", "Archive"]))
            #expect(byName["Archive"]?.isSubscribed == true)
            #expect(byName["a/b"]?.isSubscribed == false)
            let status = try #require(byName["a/b"]?.status)
            #expect(status.uidNext == 3)
            #expect(status.highestModSeq > 0)
            #expect(status.uidValidity > 0)
            // A pattern with `\0` for the delimiter, and a select option.
            let patterned = try await endpoint.listMailboxes(MailboxListRequest(patterns: [Array("a".utf8) + [0] + Array("*".utf8)]))
            #expect(patterned.mailboxes.map(\.name.name) == ["a/b"])
            let subscribed = try await endpoint.listMailboxes(MailboxListRequest(selectOptions: ["SUBSCRIBED"]))
            #expect(subscribed.mailboxes.map(\.name.name).contains("Archive"))
            #expect(!subscribed.mailboxes.map(\.name.name).contains("a/b"))
        }
    }

    @Test func mailboxOperations() async throws {
        try await server.withEndpoint { endpoint in
            try await endpoint.createMailbox("p/q/r")
            try await endpoint.renameMailbox("p", to: "s")
            try await endpoint.setSubscribed(true, mailbox: "s/q/r")
            var names = try await endpoint.listMailboxes(MailboxListRequest()).mailboxes.map(\.name.name)
            #expect(names.contains("s/q/r"))
            #expect(!names.contains("p/q/r"))
            #expect(try await endpoint.listMailboxes(MailboxListRequest(selectOptions: ["SUBSCRIBED"])).mailboxes.map(\.name.name) == ["s/q/r"])
            try await endpoint.setSubscribed(false, mailbox: "s/q/r")
            try await endpoint.deleteMailbox("s/q/r")
            names = try await endpoint.listMailboxes(MailboxListRequest()).mailboxes.map(\.name.name)
            #expect(!names.contains("s/q/r"))
        }
    }

    @Test func selectWithAResyncPointReportsVanishedAndChanged() async throws {
        try await seed(server, mailbox: "Resync", count: 5)
        let point = try await server.withEndpoint { endpoint -> ResyncPoint in
            let first = try await endpoint.select("Resync", since: nil)
            guard case .fresh(let snapshot) = first else { throw TestHarnessError("expected .fresh, got \(first)") }
            #expect(snapshot.uidNext == 6)
            return ResyncPoint(uidValidity: snapshot.uidValidity, highestModSeq: snapshot.highestModSeq,
                               knownUIDs: UIDSet(uid(1)...uid(5)),
                               sample: SequenceMatchSample.of(mappedUIDs: (1...5).map(uid)))
        }
        try await server.withOther { session in
            _ = try await session.select("Resync").value
            _ = try await session.uidStore(uidSet(2), .add([.flagged]), silent: true).value
            _ = try await session.uidStore(uidSet(3), .add([.deleted]), silent: true).value
            _ = try await session.uidExpunge(uidSet(3)).value
        }
        // A message above the known UIDs: a new message, not an update.
        try await seed(server, mailbox: "Resync", count: 1, tag: "late", flags: [.seen])
        try await server.withEndpoint { endpoint in
            let result = try await endpoint.select("Resync", since: point)
            guard case .resynced(let snapshot, let changes) = result else { throw TestHarnessError("expected .resynced, got \(result)") }
            #expect(changes.vanished == uidSet(3))
            #expect(Set(changes.flagChanges.keys) == [uid(2)])
            #expect(changes.flagChanges[uid(2)]?.flags == [.flagged])
            #expect(changes.highestModSeq == snapshot.highestModSeq)
            #expect(snapshot.highestModSeq > point.highestModSeq)
            // Another UIDVALIDITY: re-matching, no changes.
            let stale = ResyncPoint(uidValidity: point.uidValidity &+ 1, highestModSeq: point.highestModSeq, knownUIDs: point.knownUIDs)
            guard case .uidValidityChanged = try await endpoint.select("Resync", since: stale) else {
                throw TestHarnessError("expected .uidValidityChanged")
            }
            await #expect(throws: MailboxEndpointError.noSuchMailbox("Nowhere")) {
                _ = try await endpoint.select("Nowhere", since: nil)
            }
        }
    }

    @Test func anEndpointOverASessionWithoutQResyncRefusesAResyncPoint() async throws {
        try await seed(server, mailbox: "Plain", count: 1)
        var configuration = server.otherConfiguration()
        configuration.enableQResync = false
        try await IMAPSession.withSession(configuration, logger: testLogger) { session in
            let endpoint = IMAPMailboxEndpoint(session: session, label: "custom")
            defer { endpoint.close() }
            let capabilities = try await endpoint.capabilities()
            #expect(!capabilities.contains(.qresync))
            let point = ResyncPoint(uidValidity: 1, highestModSeq: 1, knownUIDs: uidSet(1))
            await #expect(throws: MailboxEndpointError.missingCapability("QRESYNC")) {
                _ = try await endpoint.select("Plain", since: point)
            }
        }
    }

    @Test func pendingChangesReportOthersNotOursAndModified() async throws {
        try await seed(server, mailbox: "Pending", count: 6)
        try await server.withEndpoint { endpoint in
            guard case .fresh(let snapshot) = try await endpoint.select("Pending", since: nil) else { throw TestHarnessError("not fresh") }
            #expect(try await endpoint.pendingChanges().isEmpty)
            // Ours: not reported.
            let stored = try await endpoint.storeFlags(FlagStoreRequest(uids: uidSet(4, 5), flags: [.seen, .answered],
                                                                        unchangedSince: snapshot.highestModSeq))
            #expect(stored.modified == nil)
            // Others': reported, with a vanish.
            let othersModSeq = try await server.withOther { session -> UInt64 in
                _ = try await session.select("Pending").value
                _ = try await session.uidStore(uidSet(6), .add([.deleted]), silent: true).value
                _ = try await session.uidExpunge(uidSet(6)).value
                _ = try await session.uidStore(uidSet(1), .add([.flagged]), silent: true).value
                try await session.unselect().value
                return try await session.status("Pending", [.highestModSeq]).value.highestModSeq?.rawValue ?? 0
            }
            let changes = try await endpoint.pendingChanges()
            // Everything up to the others' last change is covered (a pushed expunge carries no
            // modseq: Dovecot reports none, so only a later change's MODSEQ covers it).
            #expect(changes.highestModSeq == othersModSeq)
            #expect(Set(changes.flagChanges.keys) == [uid(1)], "\(changes)")
            #expect(changes.flagChanges[uid(1)]?.flags == [.flagged])
            #expect(changes.vanished == uidSet(6))
            #expect(changes.highestModSeq > snapshot.highestModSeq)
            #expect(try await endpoint.pendingChanges().isEmpty)

            // A conditional store on a message changed meanwhile comes back MODIFIED, and its
            // current flags with the next pendingChanges.
            let before = changes.highestModSeq
            try await server.withOther { session in
                _ = try await session.select("Pending").value
                _ = try await session.uidStore(uidSet(2), .add([.draft]), silent: true).value
            }
            let result = try await endpoint.storeFlags(FlagStoreRequest(uids: uidSet(2, 3), flags: [.seen], unchangedSince: before))
            #expect(result.modified == uidSet(2))
            let reread = try await endpoint.pendingChanges()
            #expect(reread.flagChanges[uid(2)]?.flags == [.draft])
            #expect(reread.flagChanges[uid(3)] == nil)
            let summaries = try await endpoint.fetchSummaries(uidSet(2, 3), fields: [])
            #expect(summaries.map(\.flags) == [[.draft], [.seen]])
        }
    }

    @Test func aRoundsStoresInOneRequestThenASnapshotWithoutARoundTrip() async throws {
        try await seed(server, mailbox: "Round", count: 4)
        try await server.withEndpoint { endpoint in
            guard case .fresh(let snapshot) = try await endpoint.select("Round", since: nil) else { throw TestHarnessError("not fresh") }
            try await server.withOther { session in
                _ = try await session.select("Round").value
                _ = try await session.uidStore(uidSet(1), .add([.draft]), silent: true).value
            }
            // Three flag lists in one request: the one naming the message changed meanwhile comes
            // back MODIFIED, the others are stored; results in the requests' order.
            let results = try await endpoint.storeFlags([
                FlagStoreRequest(uids: uidSet(1, 2), flags: [.seen], unchangedSince: snapshot.highestModSeq),
                FlagStoreRequest(uids: uidSet(3), flags: [.flagged], unchangedSince: snapshot.highestModSeq),
                FlagStoreRequest(uids: uidSet(4), flags: [.answered, .seen], unchangedSince: nil),
            ])
            #expect(results.map(\.modified) == [uidSet(1), nil, nil])
            let summaries = try await endpoint.fetchSummaries(uidSet(1, 2, 3, 4), fields: [])
            #expect(summaries.map(\.flags) == [[.draft], [.seen], [.flagged], [.answered, .seen]])
            // Another writer's new message, then pendingChanges: the snapshot right after (from
            // the SEARCH that went with its NOOP) counts it.
            try await seed(server, mailbox: "Round", count: 1, tag: "late")
            let changes = try await endpoint.pendingChanges()
            #expect(changes.flagChanges[uid(1)]?.flags == [.draft])
            #expect(try await endpoint.snapshot().uidNext == 6)
        }
    }

    @Test func aListingStartedEarlyAnswersTheSameRequestOnly() async throws {
        try await seed(server, mailbox: "Early", count: 1)
        try await server.withEndpoint { endpoint in
            let early = MailboxListRequest(patterns: [Array("Early".utf8)])
            endpoint.startListing(early)
            #expect(try await endpoint.listMailboxes(MailboxListRequest()).mailboxes.map(\.name.name).contains("INBOX"))
            endpoint.startListing(early)
            let listed = try await endpoint.listMailboxes(early)
            #expect(listed.mailboxes.map(\.name.name) == ["Early"])
            #expect(listed.mailboxes.first?.status?.uidNext == 2)
            #expect(listed.delimiter == "/")
        }
    }

    @Test func anotherMailboxsChangesNeverLeakIntoTheNextSelected() async throws {
        try await seed(server, mailbox: "First", count: 2)
        try await seed(server, mailbox: "Second", count: 2)
        try await server.withEndpoint { endpoint in
            _ = try await endpoint.select("First", since: nil)
            try await server.withOther { session in
                _ = try await session.select("First").value
                _ = try await session.uidStore(uidSet(1), .add([.flagged]), silent: true).value
                _ = try await session.uidStore(uidSet(2), .add([.deleted]), silent: true).value
                _ = try await session.uidExpunge(uidSet(2)).value
            }
            // Pushed to us at the next command (here a snapshot's NOOP), then SELECT Second.
            _ = try await endpoint.snapshot()
            guard case .fresh = try await endpoint.select("Second", since: nil) else { throw TestHarnessError("not fresh") }
            #expect(try await endpoint.pendingChanges().isEmpty)
        }
    }

    @Test func aWatcherSeesTheSessionsEvents() async throws {
        try await seed(server, mailbox: "Watched", count: 1)
        try await server.withEndpoint { endpoint in
            _ = try await endpoint.select("Watched", since: nil)
            try await seed(server, mailbox: "Watched", count: 1, tag: "new")
            _ = try await endpoint.snapshot()
            var iterator = endpoint.observedEvents.makeAsyncIterator()
            var seen: [MailboxEvent] = []
            while let event = await iterator.next() {
                seen.append(event)
                if event == .exists(2) { break }
            }
            #expect(seen.contains(.exists(2)))
        }
    }

    @Test func appendThenSnapshotAndSummariesWithHashes() async throws {
        try await server.withOther { try await $0.create("Appended").value }
        try await server.withEndpoint { endpoint in
            _ = try await endpoint.select("Appended", since: nil)
            let bodies = (1...3).map { message($0, tag: "app", padding: $0 * 1000) }
            let date = MessageDate(secondsSince1970: 1_600_000_000, zoneOffsetMinutes: -300)
            let result = try await endpoint.append(batch(bodies.enumerated().map {
                outgoing($0.element, uid: UInt32($0.offset + 1), flags: $0.offset == 0 ? [.seen, "$Label"] : [], date: date)
            }))
            #expect(result.assignedUIDs == [uid(1), uid(2), uid(3)])
            let snapshot = try await endpoint.snapshot()
            #expect(snapshot.uidNext == 4)
            #expect(snapshot.uidValidity == result.uidValidity)
            let summaries = try await endpoint.fetchSummaries(UIDSet(uid(1)...UID.max), fields: .identity)
            #expect(summaries.map(\.uid) == [uid(1), uid(2), uid(3)])
            for (summary, body) in zip(summaries, bodies) {
                #expect(summary.contentHash?.bytes == sha256(body))
                #expect(summary.size == body.readableBytes)
                // Maildir keeps the instant, not the zone.
                #expect(summary.internalDate?.secondsSince1970 == date.secondsSince1970)
                #expect(summary.modSeq > 0)
            }
            #expect(summaries.map(\.messageID) == ["<app-1@example.org>", "<app-2@example.org>", "<app-3@example.org>"])
            #expect(summaries[0].flags == [.seen, "$Label"])
            // An empty batch appends nothing.
            #expect(try await endpoint.append(batch([])).assignedUIDs.isEmpty)
            // Another writer's message raises the snapshot's UIDNEXT too.
            try await seed(server, mailbox: "Appended", count: 1, tag: "other")
            #expect(try await endpoint.snapshot().uidNext == 5)
        }
    }

    @Test func aStoreOnALongSetIsSplitAndAppliedWhole() async throws {
        try await seed(server, mailbox: "Many", count: 2400)
        try await server.withEndpoint { endpoint in
            guard case .fresh(let snapshot) = try await endpoint.select("Many", since: nil) else { throw TestHarnessError("not fresh") }
            // 1200 single UIDs: about 6 KB of wire form, two UID STOREs.
            let odd = try #require(UIDSet(uids: stride(from: 1, through: 2399, by: 2).map { uid(UInt32($0)) }))
            let result = try await endpoint.storeFlags(FlagStoreRequest(uids: odd, flags: [.seen], unchangedSince: snapshot.highestModSeq))
            #expect(result.modified == nil)
            let summaries = try await endpoint.fetchSummaries(UIDSet(uid(1)...UID.max), fields: [])
            #expect(summaries.count == 2400)
            #expect(summaries.allSatisfy { ($0.uid.rawValue % 2 == 1) == ($0.flags == [.seen]) })
            #expect(try await endpoint.pendingChanges().isEmpty)
            #expect(try await endpoint.expunge(odd)?.count == 1200)
        }
    }

    /// Dovecot runs a UID EXPUNGE pipelined behind the `\\Deleted` STORE before that STORE when
    /// they reach it in one read after a STORE of a keyword new to the mailbox: the message
    /// stayed. The EXPUNGE is now written only once the STORE completed (the wire trace shows it);
    /// which read the commands land in is the kernel's choice, so the order is what is checked.
    @Test func anExpungeIsSentOnlyOnceItsDeletedStoreCompleted() async throws {
        try await seed(server, mailbox: "NewKeyword", count: 2)
        let lines = Mutex<[(IMAPWireTrace.Direction, String)]>([])
        let trace = IMAPWireTrace { direction, line in lines.withLock { $0.append((direction, line)) } }
        try await IMAPEndpointConnector.withEndpoint(server.settings(), side: .remote, logger: testLogger, wireTrace: trace) { endpoint in
            _ = try await endpoint.select("NewKeyword", since: nil)
            // The engine's round: the flag store goes out first (send-now), the expunge behind it.
            let stored = endpoint.session.uidStore(uidSet(1), .replace([.seen, "$Fresh"]), silent: true)
            #expect(try await endpoint.expunge(uidSet(2)) == uidSet(2))
            _ = try await stored.value
        }
        let wire = lines.withLock { $0 }
        let store = try #require(wire.first { $0.0 == .client && $0.1.contains("UID STORE 2 +FLAGS.SILENT (\\Deleted)") })
        let tag = try #require(store.1.split(separator: " ").first.map(String.init))
        let completed = try #require(wire.firstIndex { $0.0 == .server && $0.1.hasPrefix("\(tag) OK") })
        let expunge = try #require(wire.firstIndex { $0.0 == .client && $0.1.contains("UID EXPUNGE 2") })
        #expect(completed < expunge, "\(wire)")
        let left = try await server.withOther { session in
            _ = try await session.examine("NewKeyword").value
            return try await session.uidSearch(.all).value.all
        }
        #expect(left == uidSet(1))
    }

    @Test func expungeRemovesExactlyTheGivenUIDs() async throws {
        try await seed(server, mailbox: "Expunge", count: 5)
        try await server.withOther { session in
            _ = try await session.select("Expunge").value
            _ = try await session.uidStore(uidSet(5), .add([.deleted]), silent: true).value
        }
        try await server.withEndpoint { endpoint in
            _ = try await endpoint.select("Expunge", since: nil)
            #expect(try await endpoint.expunge(uidSet(2, 4)) == uidSet(2, 4))
            #expect(try await endpoint.expunge(uidSet(2)) == nil)
            // UID EXPUNGE's tagged HIGHESTMODSEQ moved the counters.
            let serverModSeq = try await server.withOther { session in
                try await session.status("Expunge", [.highestModSeq]).value.highestModSeq?.rawValue
            }
            #expect(try await endpoint.snapshot().highestModSeq == serverModSeq)
            let left = try await endpoint.fetchSummaries(UIDSet(uid(1)...UID.max), fields: [])
            #expect(left.map(\.uid) == [uid(1), uid(3), uid(5)])
            #expect(left.last?.flags == [.deleted])
            #expect(try await endpoint.pendingChanges().vanished == nil)
        }
    }

    @Test func moveReportsCopyUID() async throws {
        try await seed(server, mailbox: "From", count: 3)
        try await server.withOther { try await $0.create("To").value }
        try await server.withEndpoint { endpoint in
            _ = try await endpoint.select("From", since: nil)
            let moved = try await endpoint.move(uidSet(1, 3), to: "To")
            #expect(moved.pairs.map(\.source) == [uid(1), uid(3)])
            #expect(moved.pairs.map(\.destination) == [uid(1), uid(2)])
            #expect(moved.destinationUIDValidity > 0)
            #expect(try await endpoint.fetchSummaries(UIDSet(uid(1)...UID.max), fields: []).map(\.uid) == [uid(2)])
            // Our own MOVE's expunges are not another writer's.
            #expect(try await endpoint.pendingChanges().vanished == nil)
        }
    }

    @Test func connectorRunsThePasswordCommandAndRefusesAWrongPassword() async throws {
        var settings = server.settings(.imap)
        settings.password = nil
        settings.passwordCommand = "printf '%s\\n' \(server.users[0].password)"
        try await IMAPEndpointConnector.withEndpoint(settings, side: .local, logger: testLogger) { endpoint in
            let capabilities = try await endpoint.capabilities()
            #expect(capabilities.missingRequired.isEmpty)
        }
        settings.passwordCommand = "echo wrong"
        await #expect(throws: IMAPClientError.self) {
            try await IMAPEndpointConnector.withEndpoint(settings, side: .local, logger: testLogger) { _ in }
        }
    }

    @Test func connectorNegotiatesCompression() async throws {
        var settings = server.settings(.imaps)
        settings.compress = true
        try await IMAPEndpointConnector.withEndpoint(settings, side: .remote, logger: testLogger) { endpoint in
            let capabilities = try await endpoint.capabilities()
            #expect(endpoint.session.compressionActive)
            #expect(capabilities.missingRequired.isEmpty)
        }
    }

    @Test(arguments: [ConnectionSettings.ConnectionType.imaps, .imap, .tunnel])
    func connectorOpensEveryKind(type: ConnectionSettings.ConnectionType) async throws {
        try await seed(server, mailbox: "Kinds", count: 1)
        try await server.withEndpoint(type) { endpoint in
            #expect(try await endpoint.capabilities().missingRequired.isEmpty)
            #expect((endpoint.session.tlsDescription != nil) == (type != .tunnel))
            guard case .fresh(let snapshot) = try await endpoint.select("Kinds", since: nil) else { throw TestHarnessError("not fresh") }
            #expect(snapshot.uidNext >= 2)
        }
    }
}
