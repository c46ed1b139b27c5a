import Foundation
import Fuse
import Hummingbird

/// Fuse's own `POST /v1/fuse`: a group of inputs of any modalities → one fused vector, with the CLI's options.
///
/// ```json
/// {"model": "fuse-mini", "inputs": [{"modality": "text", "content": "a cat"},
///                                   {"modality": "image", "content": "data:image/png;base64,…"}],
///  "fusion": "late", "strategy": "weighted", "weights": [1, 2]}
/// ```
/// `fusion` is `late` (default: each input embedded, then combined by `strategy`: `mean`, `weighted` (+`weights`),
/// `max`, `concat`, `attention` (+`temperature`, default 0.1)) or `early` (one joint token sequence through the
/// encoder). `dimensions` and `encoding_format` work as on `/v1/embeddings`.
struct FuseRoutes: Sendable {
    let pool: ModelPool
    let metrics: ServerMetrics
    let limits: ServerConfiguration.Limits

    struct FuseRequest: Decodable {
        struct Item: Decodable {
            var modality: String?
            var content: String
        }
        var model: String?
        var inputs: [Item]
        var fusion: String?
        var strategy: String?
        var weights: [Float]?
        var temperature: Float?
        var dimensions: Int?
        var encodingFormat: EncodingFormat?
        enum CodingKeys: String, CodingKey {
            case model, inputs, fusion, strategy, weights, temperature, dimensions
            case encodingFormat = "encoding_format"
        }
    }

    struct FuseResponse: Encodable {
        let object = "fused_embedding"
        let embedding: OpenAIRoutes.Vector
        let model: String
        let fusion: String
        let strategy: String
        let weights: [Float]
        let usage: OpenAIRoutes.Usage
    }

    func fuse(_ request: Request) async throws -> Response {
        let body = try await JSONBody.decode(FuseRequest.self, from: request, limit: limits.payloadLimit)
        let model = try pool.model(named: body.model)
        let items = try body.inputs.enumerated().map { index, item in
            try InputItem(string: item.content, modality: item.modality ?? "text", index: index)
        }
        try OpenAIRoutes.checkCount(items.count, limits: limits)
        let fusion = body.fusion ?? "late"
        let result: FusionResult
        let tokens: Int
        switch fusion {
        case "late":
            let strategy = try Self.strategy(body, count: items.count)
            let results = try await withRequestTimeout(limits.requestTimeout) { try await model.embed(items) }
            let embeddings = results.enumerated().map { index, item in
                Embedding(vector: item.unit, modality: items[index].modality, modelID: model.name,
                          sources: ["input \(index)"])
            }
            do { result = try LateFusion.fuse(embeddings, strategy: strategy) } catch {
                throw ServerError.invalidInput("\(error)")
            }
            tokens = results.reduce(0) { $0 + $1.tokens }
        case "early":
            guard body.strategy == nil, body.weights == nil else {
                throw ServerError.invalidInput("strategy and weights are options of late fusion, not early")
            }
            var inputs: [FusionInput] = []
            for (index, item) in items.enumerated() {
                let windows = try model.windows(for: item, index: index)
                let plugin = try model.runtime.plugin(for: item.modality)
                inputs.append(FusionInput(source: "input \(index)", modality: item.modality, pluginID: plugin.id,
                                          windows: windows))
            }
            tokens = inputs.reduce(0) { $0 + $1.windows.reduce(0) { $0 + $1.count } }
            let encoder = model.runtime.model
            let group = inputs
            result = try await withRequestTimeout(limits.requestTimeout) {
                try await Self.offPool { try EarlyFusion.fuse([group], model: encoder)[0] }
            }
        default:
            throw ServerError.invalidInput("fusion must be late or early, got '\(fusion)'")
        }
        metrics.recordTokens(model: model.name, tokens)
        let vector = try VectorEncoding.truncate(result.embedding.vector, to: body.dimensions)
        let encoded: OpenAIRoutes.Vector = body.encodingFormat == .base64
            ? .base64(VectorEncoding.base64(vector)) : .floats(vector)
        return try JSONBody.response(FuseResponse(
            embedding: encoded, model: model.name, fusion: fusion, strategy: result.strategy, weights: result.weights,
            usage: .init(promptTokens: tokens, totalTokens: tokens)))
    }

    /// The late-fusion strategy a request names, checked as the CLI checks it.
    static func strategy(_ body: FuseRequest, count: Int) throws -> LateFusionStrategy {
        switch body.strategy ?? "mean" {
        case "mean": return .mean
        case "max": return .max
        case "concat": return .concat(nil)
        case "attention":
            let temperature = body.temperature ?? 0.1
            guard temperature > 0, temperature.isFinite else {
                throw ServerError.invalidInput("temperature must be positive, got \(temperature)")
            }
            return .attention(temperature: temperature)
        case "weighted":
            guard let weights = body.weights, weights.count == count else {
                throw ServerError.invalidInput("strategy weighted needs weights, one per input (\(count))")
            }
            return .weighted(weights)
        case let other:
            throw ServerError.invalidInput("strategy must be mean, weighted, max, concat or attention, got '\(other)'")
        }
    }

    /// Runs blocking model work on a Dispatch thread, keeping the cooperative pool free for other requests.
    static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(with: Result { try work() }) }
        }
    }
}
