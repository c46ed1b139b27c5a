/// Runs `body`, failing with `ServerError.timedOut` when it takes longer than `limit`; `body` is cancelled then
/// (a request still queued for a batch leaves the queue at once).
func withRequestTimeout<T: Sendable>(
    _ limit: Duration, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw ServerError.timedOut(seconds: limit.seconds)
        }
        return value
    }
}
