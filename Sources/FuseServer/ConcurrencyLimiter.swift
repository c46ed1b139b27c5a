import Foundation
import Hummingbird

/// Admits at most `limit` requests at once; the next one gets 429 at once instead of queueing without bound.
/// `/health` and `/metrics` are never refused, so a busy server can still be probed.
final class ConcurrencyLimiter: @unchecked Sendable {
    let limit: Int
    private let lock = NSLock()
    private var active = 0

    init(limit: Int) { self.limit = limit }

    /// Takes a slot, or throws 429.
    func acquire() throws {
        try lock.withLock {
            guard active < limit else { throw ServerError.tooManyRequests(limit: limit) }
            active += 1
        }
    }

    func release() { lock.withLock { active -= 1 } }
}

/// The limiter as a middleware.
struct ConcurrencyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let limiter: ConcurrencyLimiter

    func handle(
        _ request: Request, context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard !APIKeyMiddleware<Context>.openPaths.contains(request.uri.path) else {
            return try await next(request, context)
        }
        try limiter.acquire()
        defer { limiter.release() }
        return try await next(request, context)
    }
}
