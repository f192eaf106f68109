import IMAPCore
import Testing

@Suite("UIDSet algebra")
struct UIDSetAlgebraTests {
    static func set(_ text: String) throws -> UIDSet { try #require(UIDSet(parsing: text)) }
    static func uid(_ n: UInt32) throws -> UID { try #require(UID(n)) }

    @Test func unionMergesAndNormalises() throws {
        #expect(try Self.set("5:9,1").union(Self.set("2:4,20")).imapString == "1:9,20")
        #expect(try Self.set("1:3").union(Self.set("4:*")).imapString == "1:*")
        var a = try Self.set("10")
        a.formUnion(try Self.set("11:12"))
        #expect(a.imapString == "10:12")
    }

    @Test func intersectionIsNilWhenDisjoint() throws {
        #expect(try Self.set("1:10,20:30").intersection(Self.set("5:25"))?.imapString == "5:10,20:25")
        #expect(try Self.set("1:10").intersection(Self.set("11:*")) == nil)
        #expect(try Self.set("1:*").intersection(Self.set("4294967295"))?.imapString == "*")
    }

    @Test func subtractingCutsRangesWithoutExpanding() throws {
        #expect(try Self.set("1:10").subtracting(Self.set("3:4,8"))?.imapString == "1:2,5:7,9:10")
        #expect(try Self.set("1:*").subtracting(Self.set("2:4294967294"))?.imapString == "1,*")
        #expect(try Self.set("1:*").subtracting(Self.set("1:*")) == nil)
        #expect(try Self.set("5:9").subtracting(Self.set("1:4,10:20"))?.imapString == "5:9")
        #expect(try Self.set("1:3,7:9").subtracting(Self.set("2:8"))?.imapString == "1,9")
        #expect(try Self.set("1:3,5:7").subtracting(Self.set("1:2,3,6"))?.imapString == "5,7")
        #expect(try Self.set("2:*").subtracting(Self.set("1"))?.imapString == "2:*")
        #expect(try Self.set("1:2").isSubset(of: Self.set("1:5")))
        #expect(try !Self.set("1:6").isSubset(of: Self.set("1:5")))
    }

    @Test func insertKeepsTheSetMerged() throws {
        var s = try Self.set("1:3,5")
        s.insert(try Self.uid(4))
        #expect(s.imapString == "1:5")
        s.insert(try Self.uid(100)...UID.max)
        #expect(s.imapString == "1:5,100:*")
        s.insert(UID.max)
        #expect(s.imapString == "1:5,100:*")
    }

    @Test func countOfOneToStarDoesNotTrap() throws {
        let all = try Self.set("1:*")
        #expect(all.count == 4_294_967_295)
        #expect(try Self.set("1:*,1:*,3:7").count == 4_294_967_295)
        #expect(try Self.set("*").count == 1)
        #expect(all.lowest == UID.min)
        #expect(all.highest == UID.max)
        #expect(try Self.set("9,3:4").lowest.rawValue == 3)
        #expect(try Self.set("9,3:4").highest.rawValue == 9)
        // Iteration is lazy: taking a few values of 1:* does not expand it.
        #expect(Array(all.prefix(3)).map(\.rawValue) == [1, 2, 3])
    }

    @Test func rangesAsWrittenAndNormalised() throws {
        let s = try Self.set("9,1:3,2:4")
        #expect(s.ranges.map { "\($0.lowerBound)-\($0.upperBound)" } == ["9-9", "1-3", "2-4"])
        #expect(s.normalizedRanges.map { "\($0.lowerBound)-\($0.upperBound)" } == ["1-4", "9-9"])
    }

    @Test func sequenceSetConvertsLosslessly() throws {
        let modified = try #require(SequenceSet(parsing: "7,1:3,100:*"))
        let uids = UIDSet(modified)
        #expect(uids.imapString == "7,1:3,100:*")
        #expect(SequenceSet(uids) == modified)
        #expect(uids.contains(try Self.uid(4_000_000_000)))
    }

    @Test func emptyResultsAreNilNotEmptySets() {
        #expect(UIDSet(uids: [UID]()) == nil)
        #expect(UIDSet(ranges: []) == nil)
        #expect(UIDSet(parsing: "") == nil)
    }
}
