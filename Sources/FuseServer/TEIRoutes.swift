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

    /// One token as TEI lists it: `start`/`stop` are the UTF-8 byte range it covers in the input (`TokenOffsets`;
    /// null for special tokens and tokens that cannot be aligned), `text` that part of the input.
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

    /// A token of `/tokenize`: its id, whether the post-processor added it, and the input bytes it covers.
    struct ServedToken: Sendable {
        let id: Int32
        let special: Bool
        let range: Range<Int>?
    }

    func embed(_ request: Request) async throws -> Response {
        let body = try JSONBody.decode(
            EmbedRequest.self, from: try await JSONBody.collect(request, limit: limits.payloadLimit))
        let model = try pool.model(named: body.model)
        let (items, keep) = try Self.validate(body, limits: limits)
        let results = try await withRequestTimeout(limits.requestTimeout) {
            try await model.embed(items, truncation: keep)
        }
        metrics.recordTokens(model: model.name, results.reduce(0) { $0 + $1.tokens })
        return try JSONBody.response(results.map { body.normalize == false ? $0.raw : $0.unit })
    }

    /// `/embed`'s items and truncation, checked before any model is involved (`RequestDecoder`).
    static func validate(
        _ body: EmbedRequest, limits: ServerConfiguration.Limits
    ) throws
        -> ([InputItem], ServedModel.Truncation?)
    {
        let items: [InputItem] =
            switch body.inputs {
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
        return (items, truncation)
    }

    /// `/tokenize`'s texts, checked before any model is involved (`RequestDecoder`).
    static func validate(_ body: TokenizeRequest, limits: ServerConfiguration.Limits) throws -> [String] {
        guard case .strings(let texts) = body.inputs else {
            throw ServerError.invalidInput("inputs must be a string or an array of strings")
        }
        try OpenAIRoutes.checkCount(texts.count, limits: limits)
        return texts
    }

    func tokenize(_ request: Request) async throws -> Response {
        let body = try JSONBody.decode(
            TokenizeRequest.self, from: try await JSONBody.collect(request, limit: limits.payloadLimit))
        let model = try pool.model(named: body.model)
        guard let tokenizer = model.tokenizer else {
            throw ServerError.invalidInput("model '\(model.name)' has no text tokenizer")
        }
        let texts = try Self.validate(body, limits: limits)
        let lists = try zip(
            texts,
            Self.tokens(
                of: texts, tokenizer: tokenizer,
                addSpecialTokens: body.addSpecialTokens ?? true)
        ).map { text, tokens in
            let utf8 = Array(text.utf8)
            return tokens.map { token in
                // As TEI: a text token shows the part of the input it covers, a special token its vocabulary string.
                let shown =
                    token.range.map { String(decoding: utf8[$0], as: UTF8.self) }
                    ?? tokenizer.token(forID: token.id) ?? ""
                return Token(
                    id: token.id, text: shown, special: token.special, start: token.range?.lowerBound,
                    stop: token.range?.upperBound)
            }
        }
        return try JSONBody.response(lists)
    }

    /// The tokens of each text with the byte range each covers: one sequence per text, without the tokenizer file's
    /// own padding and truncation (the server windows texts itself; `/tokenize` shows the whole text's tokens).
    static func tokens(
        of texts: [String], tokenizer: Tokenizer,
        addSpecialTokens: Bool
    ) throws -> [[ServedToken]] {
        try texts.map { text in
            let encoding = try tokenizer.encodeWindows(
                text, policy: WindowPolicy(maxLength: nil),
                addSpecialTokens: addSpecialTokens
            ).first
            let ids = encoding?.ids ?? []
            // TEI's `special` is the special-tokens mask (what the post-processor added), not "is an added token".
            let special = (encoding?.specialTokensMask ?? []).map { $0 != 0 }
            let ranges = TokenOffsets.align(ids, special: special, in: text, tokenizer: tokenizer)
            return ids.indices.map { ServedToken(id: ids[$0], special: special[$0], range: ranges[$0]) }
        }
    }
}
