import IMAPCore
import Testing
@testable import SyncIMAP

/// UID sets are cut so that each command line stays around 4 KB (InterIMAP's `with_set`).
@Suite struct UIDSetChunkingTests {
    @Test func chunksStayWithinTheLimitAndCoverTheSet() throws {
        let odd = try #require(UIDSet(uids: stride(from: 1, through: 9999, by: 2).compactMap { UID(rawValue: UInt32($0)) }))
        let chunks = odd.chunked(maxLength: 4096)
        #expect(chunks.count > 1)
        for chunk in chunks { #expect(chunk.imapString.utf8.count <= 4096) }
        #expect(chunks.reduce(0) { $0 + $1.count } == odd.count)
        let union = chunks.dropFirst().reduce(chunks[0]) { $0.union($1) }
        #expect(union == odd.normalized())
    }

    @Test func aRangeIsOneChunk() {
        let all = UIDSet(UID.min...UID.max)
        #expect(all.chunked() == [all])
    }

    @Test func belowCutsAtTheBound() throws {
        let set = UIDSet(UID.min...UID.max)
        #expect(set.below(5) == UIDSet(UID.min...(try #require(UID(rawValue: 4)))))
        #expect(set.below(1) == nil)
    }
}
