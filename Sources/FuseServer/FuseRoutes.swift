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
/// `max`, `concat` (+ optional `projection`: the name of a projection the server was started with,
/// `fuse serve --projection NAME=FILE`, as `fuse --projection FILE` applies one after concatenation), `attention`
/// (+`temperature`, default 0.1)) or `early` (one joint token sequence through the encoder). `dimensions` and
/// `encoding_format` work as on `/v1/embeddings`.
struct FuseRoutes: Sendable {
    let pool: ModelPool
    let metrics: ServerMetrics
    let limits: ServerConfiguration.Limits
    /// The concat projections requests may name.
    let projections: [String: FusionProjection]

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
        var projection: String?
        var dimensions: Int?
        var encodingFormat: EncodingFormat?
        enum CodingKeys: String, CodingKey {
            case model, inputs, fusion, strategy, weights, temperature, projection, dimensions
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
        let body = try JSONBody.decode(
            FuseRequest.self, from: try await JSONBody.collect(request, limit: limits.payloadLimit))
        let model = try pool.model(named: body.model)
        let (items, plan) = try Self.validate(body, limits: limits, projections: projections)
        let fusion = body.fusion ?? "late"
        let result: FusionResult
        let tokens: Int
        switch fusion {
        case "late":
            guard let strategy = plan else { throw ServerError.internalError("late fusion without a strategy") }
            let results = try await withRequestTimeout(limits.requestTimeout) { try await model.embed(items) }
            let embeddings = results.enumerated().map { index, item in
                Embedding(
                    vector: item.unit, modality: items[index].modality, modelID: model.name,
                    sources: ["input \(index)"])
            }
            do { result = try LateFusion.fuse(embeddings, strategy: strategy) } catch {
                throw ServerError.invalidInput("\(error)")
            }
            tokens = results.reduce(0) { $0 + $1.tokens }
        case "early":
            var inputs: [FusionInput] = []
            for (index, item) in items.enumerated() {
                let tokenized = try model.windows(for: item, index: index)
                let plugin = try model.runtime.plugin(for: tokenized.modality)
                inputs.append(
                    FusionInput(
                        source: "input \(index)", modality: tokenized.modality, pluginID: plugin.id,
                        windows: tokenized.windows))
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
        let encoded: OpenAIRoutes.Vector =
            body.encodingFormat == .base64
            ? .base64(VectorEncoding.base64(vector)) : .floats(vector)
        return try JSONBody.response(
            FuseResponse(
                embedding: encoded, model: model.name, fusion: fusion, strategy: result.strategy,
                weights: result.weights,
                usage: .init(promptTokens: tokens, totalTokens: tokens)))
    }

    /// The items and, for late fusion, the strategy of a decoded body, checked before any model is involved
    /// (`RequestDecoder`).
    static func validate(
        _ body: FuseRequest, limits: ServerConfiguration.Limits,
        projections: [String: FusionProjection]
    ) throws -> ([InputItem], LateFusionStrategy?) {
        let items = try body.inputs.enumerated().map { index, item in
            try InputItem(string: item.content, modality: item.modality ?? "text", index: index)
        }
        try OpenAIRoutes.checkCount(items.count, limits: limits)
        switch body.fusion ?? "late" {
        case "late":
            return (items, try strategy(body, count: items.count, projections: projections))
        case "early":
            guard body.strategy == nil, body.weights == nil, body.projection == nil else {
                throw ServerError.invalidInput("strategy, weights and projection are options of late fusion, not early")
            }
            return (items, nil)
        case let other:
            throw ServerError.invalidInput("fusion must be late or early, got '\(other)'")
        }
    }

    /// The late-fusion strategy a request names, checked as the CLI checks it: a `projection` implies `concat`
    /// and applies to it alone.
    static func strategy(
        _ body: FuseRequest, count: Int,
        projections: [String: FusionProjection]
    ) throws -> LateFusionStrategy {
        let name = body.strategy ?? (body.projection != nil ? "concat" : "mean")
        if body.projection != nil, name != "concat" {
            throw ServerError.invalidInput("projection applies to strategy concat, not '\(name)'")
        }
        switch name {
        case "mean": return .mean
        case "max": return .max
        case "concat":
            guard let wanted = body.projection else { return .concat(nil) }
            guard let projection = projections[wanted] else {
                let known = projections.keys.sorted()
                throw ServerError.invalidInput(
                    "no projection '\(wanted)' on this server ("
                        + (known.isEmpty
                            ? "it was started without --projection" : "it has: " + known.joined(separator: ", "))
                        + ")")
            }
            return .concat(projection)
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
