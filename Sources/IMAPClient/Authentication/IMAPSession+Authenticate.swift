import IMAPCore
import Foundation
import NIOCore

extension IMAPSession {
    /// Uses the first configured mechanism the server offers (AUTH=…); LOGIN falls back to the
    /// LOGIN command unless the server says LOGINDISABLED.
    func authenticate() async throws {
        guard let password = configuration.password else {
            throw IMAPClientError.configuration("no password for \(configuration.username) (give --pass, the environment variable, or answer the prompt)")
        }
        let offered = capabilities.filter { $0.hasPrefix("AUTH=") }.map { String($0.dropFirst(5)) }.sorted()
        let loginDisabled = hasCapability("LOGINDISABLED")
        var chosen: (AuthMechanism, useLoginCommand: Bool)?
        for mechanism in configuration.authMechanisms {
            if hasCapability("AUTH=\(mechanism.rawValue)") {
                chosen = (mechanism, false)
                break
            }
            if mechanism == .login, !loginDisabled {
                chosen = (mechanism, true)
                break
            }
        }
        guard let (mechanism, useLoginCommand) = chosen else {
            throw IMAPClientError.noUsableAuthMechanism(offered: offered + (loginDisabled ? ["(LOGINDISABLED)"] : []))
        }
        let response: TaggedResponse
        if useLoginCommand {
            let tag = try await send(.login(username: configuration.username, password: password.value))
            response = try await wait(tag)
        } else {
            response = try await authenticateSASL(mechanism, password: password.value)
        }
        guard response.state == .ok else {
            // The server's text, never ours: it cannot contain the password.
            throw IMAPClientError.authenticationFailed("\(configuration.username) at \(configuration.server): \(response.text)")
        }
        // The tagged OK may carry the new capabilities (absorbed already); otherwise re-read them.
        if case .capability? = response.code {} else { capabilities = [] }
    }

    private func authenticateSASL(_ mechanism: AuthMechanism, password: String) async throws -> TaggedResponse {
        let username = configuration.username
        switch mechanism {
        case .plain:
            let message = Array("\0\(username)\0\(password)".utf8)
            if hasCapability("SASL-IR") {
                let tag = try await send(.authenticate(mechanism: "PLAIN", initialResponse: message),
                                         kind: .exclusiveWithContinuations)
                return try await wait(tag, onContinuation: { _ in self.saslLine([]) })
            }
            let tag = try await send(.authenticate(mechanism: "PLAIN", initialResponse: nil), kind: .exclusiveWithContinuations)
            var sent = false
            return try await wait(tag, onContinuation: { _ in
                // A second challenge after our answer means the server wants to abort: send "*".
                defer { sent = true }
                return sent ? self.saslCancel() : self.saslLine(message)
            })
        case .login:
            let tag = try await send(.authenticate(mechanism: "LOGIN", initialResponse: nil), kind: .exclusiveWithContinuations)
            var step = 0
            return try await wait(tag, onContinuation: { _ in
                defer { step += 1 }
                switch step {
                case 0: return self.saslLine(Array(username.utf8))
                case 1: return self.saslLine(Array(password.utf8))
                default: return self.saslCancel()
                }
            })
        }
    }

    private func saslLine(_ bytes: [UInt8]) -> ByteBuffer {
        ByteBuffer(string: Data(bytes).base64EncodedString() + "\r\n")
    }

    private func saslCancel() -> ByteBuffer { ByteBuffer(string: "*\r\n") }
}
