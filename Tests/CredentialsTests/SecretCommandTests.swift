import Credentials
import Foundation
import Testing

/// The secret command runner against real shell commands.
@Suite struct SecretCommandTests {
    private func run(_ command: String, timeout: Duration = .seconds(60)) -> Result<Secret, SecretCommandError> {
        Result { () throws(SecretCommandError) in
            try SecretCommand(command, purpose: "the test command", timeout: timeout).run()
        }
    }

    private func reason(_ command: String, timeout: Duration = .seconds(60)) -> SecretCommandError.Reason? {
        guard case .failure(let error) = run(command, timeout: timeout) else { return nil }
        #expect(error.description.hasPrefix("the test command "))
        return error.reason
    }

    @Test(arguments: [
        ("printf %s tok-123", "tok-123"),
        ("echo '  tok-123  '", "tok-123"),                        // trimmed
        ("printf 'tok-123\\r\\nsecond line\\n'", "tok-123"),         // first line only, CR dropped
        ("echo tok-$((40 + 2))", "tok-42"),                       // through /bin/sh -c
        ("echo first; echo second >&2", "first"),                 // stderr is not read
        ("X=tok-env; echo $X", "tok-env"),
    ])
    func printsTheSecret(command: String, secret: String) throws {
        #expect(try run(command).get().value == secret)
    }

    @Test func aLongTokenSplitAcrossReadsIsWhole() throws {
        // 40 KB, more than one read (16 KB) and more than a pipe buffer.
        let token = try run("head -c 40000 /dev/zero | tr '\\0' a").get()
        #expect(token.value == String(repeating: "a", count: 40_000))
    }

    @Test func outputAfterTheFirstLineIsDrainedNotKept() throws {
        // 20 MB after the token: it must neither block the command nor be held in memory.
        #expect(try run("echo tok; head -c 20000000 /dev/zero").get().value == "tok")
    }

    @Test func aFailingExitIsAnErrorThatShowsNoOutput() {
        guard case .failure(let error) = run("echo not-shown-secret; exit 3") else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.reason == .exited(status: 3))
        #expect(error.description == "the test command exited with status 3 (its output is not shown)")
        #expect(!"\(error)".contains("not-shown-secret"))
        #expect(!String(reflecting: error).contains("not-shown-secret"))
    }

    @Test func emptyOutputIsAnError() {
        #expect(reason("true") == .emptyOutput)
        #expect(reason("echo; echo second") == .emptyOutput)
        #expect(reason("printf '   \\n'") == .emptyOutput)
    }

    @Test func aCommandThatHangsIsKilledAtTheTimeLimit() {
        #expect(reason("sleep 30", timeout: .milliseconds(300)) == .timedOut(.milliseconds(300)))
        // Output first, then a hang: still a timeout, the token is not taken half-way.
        #expect(reason("echo tok; sleep 30", timeout: .milliseconds(300)) == .timedOut(.milliseconds(300)))
    }

    @Test func endlessOutputWithoutANewlineIsBounded() {
        #expect(reason("yes | tr -d '\\n'") == .lineTooLong(limit: SecretCommand.maxLineLength))
    }

    @Test func aKilledCommandAndAMissingProgram() {
        #expect(reason("kill -TERM $$") == .killed(signal: SIGTERM))
        #expect(reason("/nonexistent/program") == .exited(status: 127))
    }

    /// Something the command started in the background may keep its stdout open: the command's
    /// own exit ends the wait.
    @Test func aBackgroundChildHoldingThePipeDoesNotBlock() throws {
        #expect(try run("sleep 5 & echo tok").get().value == "tok")
    }
}
