import Core
import Hummingbird
import Synchronization

/// Writes a successful change to the audit trail: who (the key), what (`action`), on which
/// target, from where, and the request body with secrets redacted. The body is buffered here
/// so both the handler and the trail can read it.
struct AuditMiddleware: RouterMiddleware {
    typealias Context = AuthenticatedRequestContext
    let audit: AuditTrail
    let action: String
    let targetType: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        let body = try await request.collectBody(limit: context.maxUploadSize)
        let changes = try? JSONValue.parse(body.readableBytesView)
        let created = CreatedTarget()
        let response = try await CreatedTarget.$current.withValue(created) {
            try await next(request, context)
        }
        guard (200..<300).contains(response.status.code) else { return response }
        let target = context.parameters.get("id") ?? context.parameters.get("name") ?? created.id
        await audit.record(
            actor: context.key.id, action: action, targetType: targetType, targetID: target,
            clientAddress: context.clientAddress, changes: changes, logger: context.logger)
        return response
    }
}

/// The id of what a route created, for the audit trail of routes without an id in the path;
/// the route registrar fills it from the answer (`CreatedResource`).
final class CreatedTarget: Sendable {
    @TaskLocal static var current: CreatedTarget?

    private let value = Mutex<String?>(nil)

    var id: String? { value.withLock { $0 } }

    func note(_ id: String) {
        value.withLock { $0 = id }
    }
}
