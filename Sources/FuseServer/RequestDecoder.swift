import Foundation
import Fuse
import FuseTokenizers
import TextBPE

/// Every route's reading of its request body, up to the point where a model is needed: the JSON decoded, then the
/// items (data URIs decoded, counts and options checked) — the same functions the routes call. Bodies are
/// outside input; this is what `FuzzServeRequests` feeds arbitrary bytes.
///
/// ```swift
/// let count = try RequestDecoder.check(.embeddings, body: Data(#"{"input": ["a", "b"]}"#.utf8))  // 2
/// ```
public enum RequestDecoder {
    /// The routes that take a JSON body.
    public enum Route: String, CaseIterable, Sendable {
        case embeddings = "/v1/embeddings"
        case embed = "/embed"
        case tokenize = "/tokenize"
        case fuse = "/v1/fuse"
        case describe = "/v1/describe"
    }

    /// Decodes and checks `body` as `route` does before it looks up a model; returns the number of items.
    ///
    /// - Throws: `ServerError` — `.malformedRequest` (400) for a body that is not JSON, `.invalidInput` (422) for
    ///   JSON of the wrong shape or unusable content, `.tooManyInputs` (413) beyond `limits.maxInputs`.
    public static func check(
        _ route: Route, body: Data, limits: ServerConfiguration.Limits = .init(),
        projections: [String: FusionProjection] = [:]
    ) throws -> Int {
        switch route {
        case .embeddings:
            return try OpenAIRoutes.validate(JSONBody.decode(EmbeddingsRequest.self, from: body), limits: limits).count
        case .embed:
            return try TEIRoutes.validate(JSONBody.decode(TEIRoutes.EmbedRequest.self, from: body), limits: limits).0
                .count
        case .tokenize:
            return try TEIRoutes.validate(JSONBody.decode(TEIRoutes.TokenizeRequest.self, from: body), limits: limits)
                .count
        case .fuse:
            return try FuseRoutes.validate(
                JSONBody.decode(FuseRoutes.FuseRequest.self, from: body), limits: limits,
                projections: projections
            ).0.count
        case .describe:
            _ = try DescribeRoutes.validate(JSONBody.decode(DescribeRoutes.DescribeRequest.self, from: body))
            return 1
        }
    }

    /// The texts of a `/tokenize` body, each with its tokens and their byte ranges, as the route computes them
    /// with `tokenizer`.
    public static func tokenize(
        body: Data, tokenizer: Tokenizer, limits: ServerConfiguration.Limits = .init()
    ) throws
        -> [(text: String, tokens: [(id: Int32, special: Bool, range: Range<Int>?)])]
    {
        let request = try JSONBody.decode(TEIRoutes.TokenizeRequest.self, from: body)
        let texts = try TEIRoutes.validate(request, limits: limits)
        let tokens = try TEIRoutes.tokens(
            of: texts, tokenizer: tokenizer,
            addSpecialTokens: request.addSpecialTokens ?? true)
        return zip(texts, tokens).map { text, tokens in
            (text: text, tokens: tokens.map { (id: $0.id, special: $0.special, range: $0.range) })
        }
    }
}
