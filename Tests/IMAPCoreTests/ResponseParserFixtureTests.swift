import IMAPCore
import Testing

@Suite("ResponseParser fixtures")
struct ResponseParserFixtureTests {
    static let fixtures: [Fixture] = (try? Fixture.loadAll()) ?? []

    @Test func fixturesAreLoaded() throws {
        let all = try Fixture.loadAll()
        #expect(all.count > 60)
        #expect(Set(all.map(\.file)).count >= 8)
    }

    @Test("whole input", arguments: fixtures)
    func wholeInput(_ fixture: Fixture) {
        let outcome = FixtureRunner.run(fixture.input, cuts: [], limits: fixture.limits)
        #expect(outcome.events == fixture.expected, "\(fixture)")
        #expect(outcome.error == fixture.expectedError, "\(fixture)")
        if fixture.expectedError == nil {
            // An unfinished response may leave bytes unconsumed; a finished one may not.
            if !fixture.incomplete { #expect(outcome.leftover == 0, "\(fixture): bytes left over") }
        }
    }

    @Test("split at every byte boundary", arguments: fixtures)
    func everySplit(_ fixture: Fixture) {
        let whole = FixtureRunner.run(fixture.input, cuts: [], limits: fixture.limits)
        for cut in 0...fixture.input.count {
            let split = FixtureRunner.run(fixture.input, cuts: [cut], limits: fixture.limits)
            #expect(split.events == whole.events, "\(fixture) split at \(cut)")
            #expect(split.error == whole.error, "\(fixture) split at \(cut)")
            if whole.error == nil { #expect(split.leftover == whole.leftover, "\(fixture) split at \(cut)") }
        }
    }

    @Test("one byte at a time", arguments: fixtures)
    func byteByByte(_ fixture: Fixture) {
        let whole = FixtureRunner.run(fixture.input, cuts: [], limits: fixture.limits)
        let single = FixtureRunner.run(fixture.input, cuts: Array(0..<fixture.input.count), limits: fixture.limits)
        #expect(single.events == whole.events, "\(fixture)")
        #expect(single.error == whole.error, "\(fixture)")
        if whole.error == nil { #expect(single.leftover == whole.leftover, "\(fixture)") }
    }
}
