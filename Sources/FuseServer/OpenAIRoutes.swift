import Foundation
import Hummingbird

/// `POST /v1/embeddings` (and `/embeddings`): OpenAI's embeddings API.
struct OpenAIRoutes: Sendable {
    let pool: ModelPool
    let metrics: ServerMetrics
    let limits: ServerConfiguration.Limits

    struct EmbeddingsResponse: Encodable {
        let object = "list"
        let data: [Item]
        let model: String
        let usage: Usage
    }

    struct Item: Encodable {
        let object = "embedding"
        let embedding: Vector
        let index: Int
    }

    /// A vector as JSON floats or as a base64 string.
    enum Vector: Encodable {
        case floats([Float])
        case base64(String)

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .floats(let values): try container.encode(values)
            case .base64(let text): try container.encode(text)
            }
        }
    }

    struct Usage: Encodable {
        let promptTokens: Int
        let totalTokens: Int
        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens", totalTokens = "total_tokens"
        }
    }

    func embeddings(_ request: Request) async throws -> Response {
        let body = try JSONBody.decode(
            EmbeddingsRequest.self, from: try await JSONBody.collect(request, limit: limits.payloadLimit))
        let model = try pool.model(named: body.model)
        let items = try Self.validate(body, limits: limits)
        let results = try await withRequestTimeout(limits.requestTimeout) { try await model.embed(items) }
        let format = body.encodingFormat ?? .float
        let data = try results.enumerated().map { index, result in
            let vector = try VectorEncoding.truncate(result.unit, to: body.dimensions)
            return Item(
                embedding: format == .base64 ? .base64(VectorEncoding.base64(vector)) : .floats(vector),
                index: index)
        }
        let tokens = results.reduce(0) { $0 + $1.tokens }
        metrics.recordTokens(model: model.name, tokens)
        return try JSONBody.response(
            EmbeddingsResponse(
                data: data, model: model.name,
                usage: Usage(promptTokens: tokens, totalTokens: tokens)))
    }

    /// The items of a decoded body, checked before any model is involved (`RequestDecoder`).
    static func validate(_ body: EmbeddingsRequest, limits: ServerConfiguration.Limits) throws -> [InputItem] {
        let items = try body.items()
        try checkCount(items.count, limits: limits)
        return items
    }

    /// At least one item, at most `--max-inputs`.
    static func checkCount(_ count: Int, limits: ServerConfiguration.Limits) throws {
        guard count > 0 else { throw ServerError.invalidInput("input is empty; give at least one item") }
        guard count <= limits.maxInputs else {
            throw ServerError.tooManyInputs(count: count, limit: limits.maxInputs)
        }
    }
}
