import Foundation
import MailStore

extension MailStore {
    /// The user's identity named by `identifier`: its id (a UUID), or its login as Caliopen's
    /// `syncremote` example uses it. A login two identities of the user share (two servers) is
    /// refused: the id says which.
    public func identity(userID: String, identifier: String) throws(MailStoreError) -> RemoteIdentity {
        if let id = UUID(uuidString: identifier) {
            guard let identity = try identity(id: id), identity.userID == userID else {
                throw .notFound("identity \(identifier.lowercased()) of user \(userID)")
            }
            return identity
        }
        let matching = try identities(userID: userID).filter { $0.login == identifier }
        switch matching.count {
        case 1: return matching[0]
        case 0: throw .notFound("identity \(identifier) of user \(userID)")
        default:
            let ids = matching.map { $0.id.uuidString.lowercased() }.joined(separator: ", ")
            throw .invalidArgument("user \(userID) has \(matching.count) identities with login \(identifier) (\(ids)): give the id")
        }
    }
}
