import Core
import Foundation
import Logging

extension AuditTrail {
    /// Records an entry; a failure to write it is logged, not passed on: the change it
    /// describes has happened, and its answer must still reach the client.
    func record(
        actor: UUID?, action: String, targetType: String, targetID: String?, clientAddress: IPAddress?, changes: JSONValue?, logger: Logger
    ) async {
        do {
            try await record(
                actor: actor, action: action, targetType: targetType, targetID: targetID, clientAddress: clientAddress?.description,
                changes: changes)
        } catch {
            logger.error("audit record failed", metadata: ["action": "\(action)", "error": "\(error)"])
        }
    }
}
