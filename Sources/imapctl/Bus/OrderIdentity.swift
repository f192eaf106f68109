import Foundation
import MailJobs
import MailStore

extension GlobalOptions {
    /// The `identity_id` an order carries: a UUID as it is, else a login looked up among the
    /// user's stored identities (orders name identities by id only; the worker refuses a login).
    func orderIdentityID(_ identifier: String, userID: String, configuration: WorkerConfiguration) throws -> String {
        if let id = UUID(uuidString: identifier) { return id.uuidString.lowercased() }
        do {
            return try openStore(configuration).identity(userID: userID, identifier: identifier).id.uuidString.lowercased()
        } catch {
            throw CommandFailure(error)
        }
    }
}
