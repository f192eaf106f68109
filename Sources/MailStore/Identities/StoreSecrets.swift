import Foundation
import OpenSSLKit
import Synchronization

/// Where the store's secret key comes from: an environment variable holding base64 of 32 bytes,
/// else a key file beside (never inside) the store, created with mode 0600 the first time a
/// secret is sealed.
public struct StoreKeySource: Sendable, Hashable, CustomStringConvertible {
    public static let defaultEnvironmentVariable = "IMAPWORKER_STORE_KEY"

    /// Checked first; nil: never.
    public var environmentVariable: String?
    public var keyFile: String

    public init(environmentVariable: String? = StoreKeySource.defaultEnvironmentVariable, keyFile: String) {
        self.environmentVariable = environmentVariable
        self.keyFile = keyFile
    }

    /// The key file used when none is configured: `STORE.key`.
    public static func defaultKeyFile(forStore path: String) -> String { path + ".key" }

    /// What the key is taken from now, for error messages (never the key).
    public var description: String {
        if let environmentVariable, ProcessInfo.processInfo.environment[environmentVariable] != nil {
            return "environment variable \(environmentVariable)"
        }
        return "key file \(keyFile)"
    }
}

/// Seals and opens the identities' secrets with the store key, loaded once on first use.
final class StoreSecrets: Sendable {
    let source: StoreKeySource
    private let sealer = Mutex<SecretSealer?>(nil)

    init(source: StoreKeySource) { self.source = source }

    func seal(_ secret: String, for id: UUID) throws(MailStoreError) -> [UInt8] {
        let sealer = try load(creating: true)
        do throws(SecretSealingError) {
            return try sealer.seal(Array(secret.utf8), associatedData: Self.associatedData(id)).bytes
        } catch {
            throw .secretKeyUnavailable(source: source.description, reason: error.description)
        }
    }

    func unseal(_ bytes: [UInt8], for id: UUID) throws(MailStoreError) -> String {
        let sealer = try load(creating: false)
        do throws(SecretSealingError) {
            let plain = try sealer.open(SealedSecret(bytes: bytes), associatedData: Self.associatedData(id))
            return String(decoding: plain, as: UTF8.self)
        } catch .authenticationFailed {
            throw .secretKeyMismatch(source: source.description, identity: id.uuidString)
        } catch {
            throw .corrupt(path: source.keyFile, reason: "identity \(id.uuidString): \(error.description)")
        }
    }

    /// The row's id: a sealed value moved to another row does not open.
    private static func associatedData(_ id: UUID) -> [UInt8] { Array(id.uuidString.utf8) }

    private func load(creating: Bool) throws(MailStoreError) -> SecretSealer {
        let result: Result<SecretSealer, MailStoreError> = sealer.withLock { cached in
            if let cached { return .success(cached) }
            do throws(MailStoreError) {
                let key = try readKey(creating: creating)
                let made: SecretSealer
                do throws(SecretSealingError) { made = try SecretSealer(key: key) } catch {
                    throw .secretKeyUnavailable(source: source.description, reason: error.description)
                }
                cached = made
                return .success(made)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private func readKey(creating: Bool) throws(MailStoreError) -> [UInt8] {
        if let name = source.environmentVariable, let text = ProcessInfo.processInfo.environment[name] {
            return try decode(text, from: "environment variable \(name)")
        }
        let path = source.keyFile
        if let data = FileManager.default.contents(atPath: path) {
            return try decode(String(decoding: data, as: UTF8.self), from: "key file \(path)")
        }
        guard creating else {
            throw .secretKeyUnavailable(source: "key file \(path)", reason: "no such file (and \(source.environmentVariable ?? "no variable") is not set)")
        }
        return try createKeyFile(path)
    }

    private func decode(_ text: String, from where_: String) throws(MailStoreError) -> [UInt8] {
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)),
              data.count == SecretSealer.keyLength else {
            throw .secretKeyUnavailable(source: where_, reason: "not base64 of \(SecretSealer.keyLength) bytes")
        }
        return [UInt8](data)
    }

    /// Writes a new random key with O_EXCL and mode 0600; another process that won the race is read instead.
    private func createKeyFile(_ path: String) throws(MailStoreError) -> [UInt8] {
        let key: [UInt8]
        do throws(SecretSealingError) { key = try SecretSealer.randomKey() } catch {
            throw .secretKeyUnavailable(source: "key file \(path)", reason: error.description)
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty { try? FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 {
            let code = errno
            if code == EEXIST, let data = FileManager.default.contents(atPath: path) {
                return try decode(String(decoding: data, as: UTF8.self), from: "key file \(path)")
            }
            throw .secretKeyUnavailable(source: "key file \(path)", reason: "cannot create: \(String(cString: strerror(code)))")
        }
        defer { close(fd) }
        let text = Array((Data(key).base64EncodedString() + "\n").utf8)
        let written = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == text.count, fsync(fd) == 0 else {
            unlink(path)
            throw .secretKeyUnavailable(source: "key file \(path)", reason: "cannot write: \(String(cString: strerror(errno)))")
        }
        return key
    }
}
