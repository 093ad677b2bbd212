import Core
import HTTPTypes
import Hummingbird
import Logging

/// Registers handlers for the routes of `APIRoute`, each behind the route guard with the
/// permission the table gives it, so no API route can be added without one. Routes that
/// change something are written to the audit trail when they succeed, for the same reason.
struct APIRouteRegistrar {
    typealias Handler = @Sendable (Request, SwitchboardRequestContext) async throws -> APIResponse

    let router: Router<SwitchboardRequestContext>
    let routeGuard: RouteGuard
    let audit: AuditTrail
    let usage: UsageTracker
    let maxBodyBytes: Int

    func add(_ route: APIRoute, handler: @escaping Handler) {
        let routeGuard = routeGuard
        let audit = audit
        let usage = usage
        let maxBodyBytes = maxBodyBytes
        router.on(RouterPath(route.path), method: HTTPRequest.Method(rawValue: route.method)!) { request, context in
            var context = context
            let rateLimitHeaders: HTTPFields
            do {
                rateLimitHeaders = try await routeGuard.authorize(request, context: &context, for: route)
            } catch {
                GuardMetrics.count(error)
                if let error = error as? HeaderedError, let keyID = error.keyID {
                    usage.record(keyID: keyID, routeGroup: route.targetType, status: Int(ErrorEnvelopeMiddleware<SwitchboardRequestContext>.status(of: error).code))
                }
                throw error
            }
            do {
                var request = request
                var changes: JSONValue?
                if route.auditAction != nil {
                    // Buffered here so both the handler and the audit trail can read it.
                    let body = try await request.collectBody(upTo: maxBodyBytes)
                    changes = try? JSONValue.parse(body.readableBytesView)
                }
                var response = try await handler(request, context)
                response.extraHeaders.append(contentsOf: rateLimitHeaders)
                if let action = route.auditAction {
                    let target = context.parameters.get("id") ?? context.parameters.get("name") ?? response.document["data"]?["id"].flatMap {
                        if case .string(let id) = $0 { id } else { nil }
                    }
                    do {
                        try await audit.record(
                            actor: context.apiKey?.id, action: action, targetType: route.targetType, targetID: target,
                            clientAddress: context.resolvedClientAddress, changes: changes)
                    } catch {
                        context.logger.error("audit record failed", metadata: ["action": "\(action)", "error": "\(error)"])
                    }
                }
                if let key = context.apiKey { usage.record(keyID: key.id, routeGroup: route.targetType, status: Int(response.status.code)) }
                return response
            } catch {
                if let key = context.apiKey {
                    usage.record(keyID: key.id, routeGroup: route.targetType, status: Int(ErrorEnvelopeMiddleware<SwitchboardRequestContext>.status(of: error).code))
                }
                throw HeaderedError(error, headers: rateLimitHeaders)
            }
        }
    }
}
