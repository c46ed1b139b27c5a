import Foundation
import Hummingbird
import Logging

/// The outermost layer: turns every error of the layers below into its status and body (`ErrorDialect`), counts
/// the request in `/metrics` by route and status with its latency, and logs one access line (unless quiet).
struct ObservationMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics
    let logger: Logger
    let quiet: Bool
    let payloadLimit: Int
    /// The routes the server has; anything else is counted as `other`, so a scanner cannot grow the label set.
    let routes: Set<String>

    func handle(
        _ request: Request, context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        metrics.requestStarted()
        defer { metrics.requestFinished() }
        let path = request.uri.path
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let serverError = ServerError(http: error, path: path, payloadLimit: payloadLimit)
            response = ErrorDialect(path: path).response(for: serverError)
            if serverError.status >= 500, case .internalError = serverError {
                logger.error("\(request.method) \(path): \(serverError)")
            }
        }
        let elapsed = ContinuousClock.now - start
        let status = response.status.code
        metrics.recordRequest(route: routes.contains(path) ? path : "other", status: status, duration: elapsed)
        if !quiet {
            logger.info("\(request.method) \(path) \(status) \(String(format: "%.1f", elapsed.seconds * 1000)) ms")
        }
        return response
    }
}
