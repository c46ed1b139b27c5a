import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// `fuse serve`: OpenAI- and TEI-compatible embedding routes, Fuse's fusion and LENS routes, `/health`, `/info`
/// and `/metrics`, over one dynamic batching queue per model.
///
/// The server listens at once and loads its models in the background (`/health` is 503 until all are loaded).
/// SIGTERM or SIGINT stop new connections, let in-flight requests finish (bounded by `shutdownTimeout`) and end
/// `run()` normally.
///
/// ```swift
/// let server = FuseServer(configuration: ServerConfiguration(models: [try ModelSpec(parsing: "models/all-MiniLM-L6-v2")]))
/// try await server.run()
/// ```
public struct FuseServer: Sendable {
    /// Reported by `/info`.
    public static let version = "fuse-serve 1"

    public let configuration: ServerConfiguration
    public let metrics = ServerMetrics()
    public let pool: ModelPool
    let logger: Logger

    public init(configuration: ServerConfiguration, logger: Logger = Logger(label: "fuse.serve")) {
        self.configuration = configuration
        self.logger = logger
        pool = ModelPool(names: configuration.models.map(\.name))
    }

    /// The routes, as `/metrics` labels them.
    static let routes: Set<String> = [
        "/v1/embeddings", "/embeddings", "/embed", "/tokenize", "/info", "/health", "/metrics", "/v1/fuse",
        "/v1/describe",
    ]

    /// Builds the router: the middleware stack (errors and metrics, API key, concurrency limit) and every route.
    func router() -> Router<BasicRequestContext> {
        let limits = configuration.limits
        let router = Router(context: BasicRequestContext.self)
        router.add(
            middleware: ObservationMiddleware(
                metrics: metrics, logger: logger, quiet: configuration.quiet,
                payloadLimit: limits.payloadLimit, routes: Self.routes))
        if let key = configuration.apiKey { router.add(middleware: APIKeyMiddleware(key: key)) }
        router.add(
            middleware: ConcurrencyLimitMiddleware(limiter: ConcurrencyLimiter(limit: limits.maxConcurrentRequests)))
        let openAI = OpenAIRoutes(pool: pool, metrics: metrics, limits: limits)
        let tei = TEIRoutes(pool: pool, metrics: metrics, limits: limits)
        let status = StatusRoutes(pool: pool, metrics: metrics, limits: limits)
        let fuse = FuseRoutes(pool: pool, metrics: metrics, limits: limits, projections: configuration.projections)
        let describe = DescribeRoutes(pool: pool, limits: limits)
        router.post("/v1/embeddings") { request, _ in try await openAI.embeddings(request) }
        router.post("/embeddings") { request, _ in try await openAI.embeddings(request) }
        router.post("/embed") { request, _ in try await tei.embed(request) }
        router.post("/tokenize") { request, _ in try await tei.tokenize(request) }
        router.get("/info") { _, _ in try status.info() }
        router.get("/health") { _, _ in try status.health() }
        router.get("/metrics") { _, _ in status.metricsText() }
        router.post("/v1/fuse") { request, _ in try await fuse.fuse(request) }
        router.post("/v1/describe") { request, _ in try await describe.describe(request) }
        return router
    }

    /// Serves until SIGTERM/SIGINT (when `handleSignals`) or until the calling task is cancelled. `onListening`
    /// receives the bound port (useful with port 0). Throws when the configuration is invalid, the address cannot
    /// be bound, or a model fails to load.
    public func run(
        handleSignals: Bool = true, onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    )
        async throws
    {
        try configuration.validate()
        let idle = TimeAmount.nanoseconds(configuration.limits.idleTimeout.nanoseconds)
        let app = Application(
            router: router(),
            server: .http1(configuration: .init(idleTimeout: idle)),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "fuse"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        let loader = ModelLoader(
            specs: configuration.models, pool: pool, metrics: metrics,
            limits: configuration.limits, precision: configuration.precision, audio: configuration.audio,
            captionBanks: configuration.captionBanks,
            gate: configuration.loadGate, logger: logger)
        var groupConfiguration = ServiceGroupConfiguration(
            services: [.init(service: app), .init(service: loader)],
            gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [],
            logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = configuration.limits.shutdownTimeout
        try await ServiceGroup(configuration: groupConfiguration).run()
    }
}
