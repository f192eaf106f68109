import IMAPClient
import MailStore
import Testing
@testable import Worker

@Suite struct FailureClassificationTests {
    @Test(arguments: [
        (IMAPClientError.authenticationFailed("[AUTHENTICATIONFAILED] no"), ErrorCode.authFailed, false),
        (.noUsableAuthMechanism(offered: ["XOAUTH2"]), .authFailed, false),
        (.startTLSUnavailable, .tlsFailed, false),
        (.connectFailed("connection refused"), .connectFailed, true),
        (.timeout("no answer"), .timeout, true),
        (.bye("shutting down"), .serverError, true),
        (.connectionClosed("reset"), .serverError, true),
        (.commandFailed(command: "EXAMINE", status: "NO", text: "no such mailbox", code: nil), .serverError, false),
        (.configuration("bad server"), .badOrder, false),
    ])
    func imapErrors(error: IMAPClientError, code: ErrorCode, transient: Bool) {
        let failure = FailureClassification.failure(for: error)
        #expect(failure.code == code && failure.transient == transient)
        #expect(failure.message == error.description)
    }

    @Test func storeAndOtherErrors() {
        #expect(FailureClassification.failure(for: MailStoreError.notFound("identity x")).code == .unknownIdentity)
        #expect(FailureClassification.failure(for: MailStoreError.diskFull(path: "/x")).code == .internal)
        #expect(FailureClassification.failure(for: CancellationError()).code == .busy)
    }
}
