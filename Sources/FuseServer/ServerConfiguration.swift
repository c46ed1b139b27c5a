import FuseCore
import Foundation
import Fuse

/// How a server listens and what it accepts. Errors name a limit by its property here (`maxInputs`); the CLI maps
/// each to its flag of the same name in kebab case (`--max-inputs`).
public struct ServerConfiguration: Sendable {
    /// The models to serve, in the order given; the first is the default when a request names none.
    public var models: [ModelSpec]
    public var host: String
    /// 0 lets the system choose a free port (tests); the bound port is reported by `FuseServer.run(onListening:)`.
    public var port: Int
    /// When set, every route but `/health` and `/metrics` requires `Authorization: Bearer <key>`.
    public var apiKey: String?
    public var limits: Limits
    /// No access log (one line per request) when true.
    public var quiet: Bool
    /// The precision every model's transformer blocks compute in (docs/PRECISION.md).
    public var precision: Precision
    /// How sounds are embedded: as each model folder asks (the default), through the audio tower, or as the text
    /// of their Whisper transcripts.
    public var audio: ServedAudio = .asConfigured
    /// Caption banks for `/v1/describe` by model name (`--captions NAME=FILE`); a model without one uses the
    /// `captions.txt` in its folder when there is one.
    public var captionBanks: [String: URL] = [:]
    /// Concat projections `/v1/fuse` requests may name (`--projection NAME=FILE`).
    public var projections: [String: FusionProjection] = [:]
    /// Awaited before the models start loading (tests hold the loading window open until they release it).
    var loadGate: (@Sendable () async -> Void)? = nil

    public init(
        models: [ModelSpec], host: String = "127.0.0.1", port: Int = 8080, apiKey: String? = nil,
        limits: Limits = Limits(), quiet: Bool = false, precision: Precision = .fp32
    ) {
        self.models = models
        self.precision = precision
        self.host = host
        self.port = port
        self.apiKey = apiKey
        self.limits = limits
        self.quiet = quiet
    }

    /// Bounds on requests, items and batches.
    public struct Limits: Sendable {
        /// Tokens (padded: longest sequence × sequences) one forward pass may hold.
        public var maxBatchTokens = 16_384
        /// Sequences one forward pass may hold.
        public var maxBatchRequests = 64
        /// Requests being served at once; more get 429.
        public var maxConcurrentRequests = 512
        /// Largest request body in bytes; larger gets 413.
        public var payloadLimit = 8 * 1024 * 1024
        /// Most items in one request's `input`.
        public var maxInputs = 2048
        /// Most tokens one text item may have over all its windows (a longer text is windowed, then averaged).
        public var maxItemTokens = 8192
        /// Most pixels (width × height) of one image.
        public var maxImagePixels = 4096 * 4096
        /// Longest audio item in seconds.
        public var maxAudioSeconds = 600.0
        /// Longest a request may take, queueing included; then 503.
        public var requestTimeout: Duration = .seconds(60)
        /// How long SIGTERM/SIGINT wait for in-flight requests before cancelling them.
        public var shutdownTimeout: Duration = .seconds(30)
        /// How long a connection may stay silent (between requests, or inside a request whose body stops arriving)
        /// before the server closes it, so clients that announce a body and never send it cannot hold connections.
        public var idleTimeout: Duration = .seconds(30)

        public init() {}

        /// Refuses limits that cannot work, naming the limit's property.
        public func validate() throws {
            let positive: [(String, Int)] = [
                ("maxBatchTokens", maxBatchTokens), ("maxBatchRequests", maxBatchRequests),
                ("maxConcurrentRequests", maxConcurrentRequests), ("payloadLimit", payloadLimit),
                ("maxInputs", maxInputs), ("maxItemTokens", maxItemTokens),
                ("maxImagePixels", maxImagePixels),
            ]
            for (name, value) in positive where value <= 0 {
                throw ServeSetupError.invalidLimit(name: name, reason: "must be positive, got \(value)")
            }
            guard maxAudioSeconds > 0, maxAudioSeconds.isFinite else {
                throw ServeSetupError.invalidLimit(name: "maxAudioSeconds", reason: "must be positive")
            }
            guard requestTimeout > .zero else {
                throw ServeSetupError.invalidLimit(name: "requestTimeout", reason: "must be positive")
            }
            guard idleTimeout > .zero else {
                throw ServeSetupError.invalidLimit(name: "idleTimeout", reason: "must be positive")
            }
        }
    }

    /// The caption bank a model folder carries: its `captions.txt`, when present.
    public static func captionBank(in folder: URL) -> URL? {
        let file = folder.appendingPathComponent("captions.txt")
        return FileManager.default.fileExists(atPath: file.path) ? file : nil
    }

    /// Checks the model names are unique and the limits usable.
    public func validate() throws {
        guard !models.isEmpty else { throw ServeSetupError.noModels }
        var seen = Set<String>()
        for model in models where !seen.insert(model.name).inserted {
            throw ServeSetupError.duplicateModelName(model.name)
        }
        try limits.validate()
        for name in captionBanks.keys where !seen.contains(name) {
            throw ServeSetupError.captionBankForUnknownModel(name: name, served: models.map(\.name))
        }
    }
}
