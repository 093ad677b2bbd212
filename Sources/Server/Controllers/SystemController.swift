import Core
import Foundation
import Hummingbird
import NIOCore

/// Routes that need no key: liveness, readiness, metrics and the API description.
struct SystemController: Sendable {
    let startedAt = Date()
    let readiness: ReadinessCheck
    let metrics: MetricsExport
    let driver: any StorageDriver
    /// Where the OpenAPI document comes from (built into the binary: no resource folder needed).
    let assets: ConsoleAssets
    /// `METRICS_QUEUE_CACHE_SECONDS`: how long the counted queue is reused by `/metrics`.
    let queueFiguresMaxAge: Duration

    func register(on router: Router<SwitchboardRequestContext>) {
        let startedAt = startedAt
        let readiness = readiness
        let metrics = metrics
        let driver = driver
        let queueFiguresMaxAge = queueFiguresMaxAge
        let assets = assets
        router.getAndHead("/metrics") { _, _ -> Response in
            // Prometheus' text exposition format, version 0.0.4.
            let text = try await metrics.render(driver: driver, maxAge: queueFiguresMaxAge)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: text)))
        }
        router.getAndHead("/ready") { _, _ -> APIResponse in
            let report = await readiness.evaluate()
            guard report.problems.isEmpty else {
                return .failure(
                    status: .serviceUnavailable, code: "not_ready", message: "not ready: " + report.problems.joined(separator: "; "))
            }
            return .success(ReadyResponse(status: "ready", checks: .object(report.checks.map { ($0.name, .string($0.state)) })))
        }
        router.getAndHead("/health") { _, _ -> APIResponse in
            .success(HealthResponse(status: "ok", version: SwitchboardApp.version, uptimeSeconds: Int(Date().timeIntervalSince(startedAt))))
        }
        router.getAndHead("/openapi.json") { request, _ -> Response in
            guard let document = assets.openAPIDocument() else { throw HTTPError(.notFound) }
            return ConsoleController.serve(document, request: request, cacheControl: "no-cache")
        }
    }
}
