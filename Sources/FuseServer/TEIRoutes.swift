import Foundation
import FuseTokenizers
import Hummingbird

/// text-embeddings-inference's `POST /embed` and `POST /tokenize`.
///
/// `/embed` takes `inputs` (a string, strings, or token ids), `normalize` (default true: the unit vectors
/// `fuse embed` gives; false: the mean of the raw pooled vectors), `truncate` (default false: a text longer
/// than the model's window is embedded window by window and averaged, as `fuse embed` does; true: only one
/// window is kept) and `truncation_direction` (`Right` keeps the first window, `Left` the last). An optional
/// `model` picks one of several served models. The answer is an array of vectors.
struct TEIRoutes: Sendable {
    let pool: ModelPool
    let metrics: ServerMetrics
    let limits: ServerConfiguration.Limits

    struct EmbedRequest: Decodable {
        var inputs: EmbeddingInput
        var normalize: Bool?
        var truncate: Bool?
        var truncationDirection: String?
        var model: String?
        enum CodingKeys: String, CodingKey {
            case inputs, normalize, truncate, model
            case truncationDirection = "truncation_direction"
        }
    }

    struct TokenizeRequest: Decodable {
        var inputs: EmbeddingInput
        var addSpecialTokens: Bool?
        var model: String?
        enum CodingKeys: String, CodingKey {
            case inputs, model
            case addSpecialTokens = "add_special_tokens"
        }
    }

    /// One token as TEI lists it; Fuse's tokenizer keeps no character offsets, so `start`/`stop` are null.
    struct Token: Encodable {
        let id: Int32
        let text: String
        let special: Bool
        let start: Int?
        let stop: Int?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(text, forKey: .text)
            try container.encode(special, forKey: .special)
            try container.encode(start, forKey: .start)
            try container.encode(stop, forKey: .stop)
        }
        enum CodingKeys: String, CodingKey { case id, text, special, start, stop }
    }

    func embed(_ request: Request) async throws -> Response {
        let body = try await JSONBody.decode(EmbedRequest.self, from: request, limit: limits.payloadLimit)
        let model = try pool.model(named: body.model)
        let items: [InputItem] = switch body.inputs {
        case .strings(let strings): strings.map { .text($0) }
        case .tokenIDs(let lists): lists.map { .tokenIDs($0) }
        }
        try OpenAIRoutes.checkCount(items.count, limits: limits)
        var truncation: ServedModel.Truncation?
        if body.truncate == true {
            switch body.truncationDirection ?? "Right" {
            case "Right", "right": truncation = .keepFirst
            case "Left", "left": truncation = .keepLast
            case let other:
                throw ServerError.invalidInput("truncation_direction must be Right or Left, got '\(other)'")
            }
        }
        let keep = truncation
        let results = try await withRequestTimeout(limits.requestTimeout) {
            try await model.embed(items, truncation: keep)
        }
        metrics.recordTokens(model: model.name, results.reduce(0) { $0 + $1.tokens })
        return try JSONBody.response(results.map { body.normalize == false ? $0.raw : $0.unit })
    }

    func tokenize(_ request: Request) async throws -> Response {
        let body = try await JSONBody.decode(TokenizeRequest.self, from: request, limit: limits.payloadLimit)
        let model = try pool.model(named: body.model)
        guard let tokenizer = model.tokenizer else {
            throw ServerError.invalidInput("model '\(model.name)' has no text tokenizer")
        }
        guard case .strings(let texts) = body.inputs else {
            throw ServerError.invalidInput("inputs must be a string or an array of strings")
        }
        try OpenAIRoutes.checkCount(texts.count, limits: limits)
        // One sequence per text, without the tokenizer file's own padding and truncation (the server windows texts
        // itself; `/tokenize` shows the whole text's tokens).
        let lists = try texts.map { text in
            let encoding = try tokenizer.encodeWindows(text, policy: WindowPolicy(maxLength: nil),
                                                       addSpecialTokens: body.addSpecialTokens ?? true)
            return (encoding.first?.ids ?? []).map { id in
                Token(id: id, text: tokenizer.token(forID: id) ?? "", special: tokenizer.isSpecial(id), start: nil,
                      stop: nil)
            }
        }
        return try JSONBody.response(lists)
    }
}
