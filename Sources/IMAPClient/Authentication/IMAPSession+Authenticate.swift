import IMAPCore
import Foundation
import NIOCore

extension IMAPSession {
    /// Uses the first configured mechanism the server offers (AUTH=…) and has a secret for,
    /// driven generically through its ``SASLMechanism``; LOGIN falls back to the LOGIN command
    /// unless the server says LOGINDISABLED.
    func authenticate() async throws {
        let withSecret = configuration.authMechanisms.filter { configuration.secret($0.credential) != nil }
        if withSecret.isEmpty, let first = configuration.authMechanisms.first {
            _ = try first.makeSASL(for: configuration)  // throws: names the missing secret
        }
        let offered = capabilities.filter { $0.hasPrefix("AUTH=") }.map { String($0.dropFirst(5)) }.sorted()
        let loginDisabled = hasCapability("LOGINDISABLED")
        var chosen: (AuthMechanism, useLoginCommand: Bool)?
        for mechanism in withSecret {
            if hasCapability("AUTH=\(mechanism.saslName)") {
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
        var detail: String?
        if useLoginCommand {
            let tag = try await send(.login(username: configuration.username, password: try AuthMechanism.password(configuration)))
            response = try await wait(tag)
        } else {
            (response, detail) = try await authenticate(with: mechanism.makeSASL(for: configuration))
        }
        guard response.state == .ok else {
            // The server's text and the mechanism's safe detail, never ours: no secret in it.
            throw IMAPClientError.authenticationFailed(
                "\(configuration.username) at \(configuration.server): \(response.text)\(detail.map { " (\($0))" } ?? "")")
        }
        // The tagged OK may carry the new capabilities (absorbed already); otherwise re-read them.
        if case .capability? = response.code {} else { capabilities = [] }
    }

    /// AUTHENTICATE driven by any mechanism: the initial response on the command line with
    /// SASL-IR, else as the answer to the first (empty) challenge; each later challenge decoded
    /// for the mechanism. Returns the tagged response and the failure detail, if any.
    private func authenticate(with mechanism: any SASLMechanism) async throws -> (TaggedResponse, String?) {
        var exchange = mechanism
        let initial = exchange.initialResponse()
        let inline = initial != nil && hasCapability("SASL-IR")
        let tag = try await send(.authenticate(mechanism: exchange.name, initialResponse: inline ? initial : nil),
                                 kind: .exclusiveWithContinuations)
        // Names and sizes only: what is sent holds the secret.
        logger.trace("AUTHENTICATE sent", metadata: ["tag": "\(tag)", "mechanism": "\(exchange.name)", "sasl-ir": "\(inline)"])
        var initialPending = initial != nil && !inline
        var malformed: String?
        let response = try await wait(tag, onContinuation: { text in
            if initialPending, let initial {
                initialPending = false
                return CommandEncoder.authenticationResponse(initial)
            }
            guard let challenge = Data(base64Encoded: text.trimmingCharacters(in: .whitespaces)) else {
                malformed = "the server's challenge is not base64"
                return CommandEncoder.authenticationCancel()
            }
            self.logger.trace("SASL challenge", metadata: ["tag": "\(tag)", "bytes": "\(challenge.count)"])
            switch exchange.respond(to: Array(challenge)) {
            case .respond(let bytes): return CommandEncoder.authenticationResponse(bytes)
            case .cancel: return CommandEncoder.authenticationCancel()
            }
        })
        return (response, malformed ?? exchange.failureDetail)
    }
}
