import IMAPCore
import MailStore
import Synchronization
import SyncEngine
import SyncStore
import TestSupport
import Testing

/// `SyncRunOptions.changes` over two store endpoints: each side's appends, flag stores and
/// expunges are reported once, with the other side's UID, Message-ID and size; an unobserved side
/// is not reported.
@Suite struct AppliedChangesTests {
    final class Collected: Sendable {
        let changes = Mutex<[AppliedChange]>([])
        func take() -> [AppliedChange] { changes.withLock { taken in defer { taken = [] }; return taken } }
    }

    @Test func eachSideIsToldWhatWasDoneToIt() async throws {
        let local = try EndpointFixture(), remote = try EndpointFixture()
        try await remote.endpoint.createMailbox(.inbox)
        _ = try await remote.endpoint.select(.inbox, since: nil)
        _ = try await remote.endpoint.append(appendBatch((1...6).map { Draft(bytes: sampleMessage($0)) }))
        let database = try SyncStateDatabase(path: remote.directory.path + "/state.db")
        let collected = Collected()
        func run(observing sides: Set<Side>) async throws -> [AppliedChange] {
            let observer = SyncChangeObserver(sides: sides) { changes in collected.changes.withLock { $0 += changes } }
            let runner = SyncRunner(endpoints: PerSide(local: local.endpoint, remote: remote.endpoint), database: database,
                                    options: SyncRunOptions(changes: observer))
            let report = try await runner.run()
            #expect(report.failed.isEmpty, "\(report)")
            return collected.take()
        }

        // First run: six messages new locally, each with its remote UID and Message-ID.
        let first = try await run(observing: [.local, .remote])
        #expect(first.count == 6 && first.allSatisfy { $0.kind == .new && $0.side == .local && $0.mailbox == "INBOX" })
        #expect(first.map { $0.counterpart?.rawValue } == (1...6).map { UInt32($0) })
        #expect(first.map(\.messageID) == (1...6).map { "<\($0)@example.org>" })
        #expect(first.map(\.size) == (1...6).map { sampleMessage($0).count })
        #expect(first.allSatisfy { $0.uidValidity != nil && $0.counterpartUIDValidity != nil && $0.flags == [] })
        let localUID = Dictionary(uniqueKeysWithValues: first.compactMap { c in c.counterpart.map { ($0.rawValue, c.uid) } })

        // Remote: message 1 flagged \Seen, message 2 expunged; local: message 3 flagged.
        let remoteWriter = try remote.openAgain(), localWriter = try local.openAgain()
        let remoteInbox = try #require(try await remoteWriter.findMailbox(userID: "u1", name: "INBOX"))
        let localInbox = try #require(try await localWriter.findMailbox(userID: "u1", name: "INBOX"))
        _ = try await remoteWriter.storeFlags(mailboxID: remoteInbox.id, uids: [1...1], .add, ["\\Seen"])
        _ = try await remoteWriter.expunge(mailboxID: remoteInbox.id, uids: [2...2])
        let three = try #require(localUID[3]).rawValue
        _ = try await localWriter.storeFlags(mailboxID: localInbox.id, uids: [three...three], .add, ["\\Flagged"])

        let second = try await run(observing: [.local, .remote])
        let byKind = Dictionary(grouping: second) { "\($0.side) \($0.kind)" }
        #expect(second.count == 3, "\(second)")
        let flagged = try #require(byKind["local flags"]?.first, "\(second)")
        #expect(flagged.uid == localUID[1] && flagged.counterpart?.rawValue == 1 && flagged.flags == ["\\Seen"])
        #expect(flagged.messageID == "<1@example.org>")
        let gone = try #require(byKind["local expunged"]?.first, "\(second)")
        #expect(gone.uid == localUID[2] && gone.counterpart?.rawValue == 2 && gone.messageID == "<2@example.org>")
        #expect(gone.flags == nil && gone.size == sampleMessage(2).count)
        let pushed = try #require(byKind["remote flags"]?.first, "\(second)")
        #expect(pushed.uid.rawValue == 3 && pushed.counterpart?.rawValue == three && pushed.flags == ["\\Flagged"])

        // Only the local side observed: the remote's flag store goes unreported.
        _ = try await localWriter.storeFlags(mailboxID: localInbox.id, uids: [three...three], .add, ["$Work"])
        let third = try await run(observing: [.local])
        #expect(third.isEmpty, "\(third)")
    }
}
