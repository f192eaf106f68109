import IMAPClient
import MailJobs
import MailStore

/// The one place where errors of the IMAP client, the store and the configuration become event
/// codes, and where it is decided which ones are worth another attempt.
public enum FailureClassification {
    public static func failure(for error: any Error) -> JobFailure {
        switch error {
        case let failure as JobFailure:
            return failure
        case let error as IMAPClientError:
            return failure(for: error)
        case let error as MailStoreError:
            if case .notFound = error { return JobFailure(.unknownIdentity, error.description) }
            // Another process (or job) holds the identity's sync lock: not this account's fault.
            if case .syncLockHeld = error { return JobFailure(.busy, error.description + "; send the order again later") }
            return JobFailure(.internal, error.description)
        case let error as ConfigurationError:
            return JobFailure(.badOrder, error.description)
        case is CancellationError:
            return JobFailure(.busy, "the worker stopped before the job finished; send the order again", transient: false)
        default:
            return JobFailure(.internal, String(describing: error))
        }
    }

    static func failure(for error: IMAPClientError) -> JobFailure {
        let text = error.description
        switch error {
        case .authenticationFailed, .noUsableAuthMechanism:
            return JobFailure(.authFailed, text)
        case .tls, .startTLSUnavailable:
            return JobFailure(.tlsFailed, text)
        case .connectFailed, .proxy, .tunnel:
            return JobFailure(.connectFailed, text, transient: true)
        case .bye, .connectionClosed:
            return JobFailure(.serverError, text, transient: true)
        case .timeout:
            return JobFailure(.timeout, text, transient: true)
        case .protocolError, .commandFailed, .missingCapability:
            return JobFailure(.serverError, text)
        case .bodySizeMismatch:
            // A streamed APPEND's source gave the wrong byte count: nothing was stored.
            return JobFailure(.internal, text)
        case .configuration:
            return JobFailure(.badOrder, text)
        }
    }
}
