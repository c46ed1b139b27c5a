import Hummingbird

/// Requires `Authorization: Bearer <key>` on every route but `/health` and `/metrics`, comparing keys in
/// constant time (the time depends on the expected key's length only, never on where a guess differs).
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let key: [UInt8]
    static var openPaths: Set<String> { ["/health", "/metrics"] }

    init(key: String) { self.key = Array(key.utf8) }

    func handle(
        _ request: Request, context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard !Self.openPaths.contains(request.uri.path) else { return try await next(request, context) }
        let header = request.headers[.authorization] ?? ""
        let prefix = "Bearer "
        let given = header.hasPrefix(prefix) ? Array(header.utf8.dropFirst(prefix.utf8.count)) : []
        guard Self.constantTimeEquals(given, key) else { throw ServerError.unauthorized }
        return try await next(request, context)
    }

    /// Whether `given` equals `expected`, reading every byte of `expected` whatever `given` holds.
    static func constantTimeEquals(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference: UInt8 = given.count == expected.count ? 0 : 1
        for index in expected.indices {
            let byte = index < given.count ? given[index] : 0
            difference |= byte ^ expected[index]
        }
        return difference == 0 && !expected.isEmpty
    }
}
