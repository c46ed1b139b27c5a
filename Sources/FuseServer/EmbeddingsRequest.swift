import Foundation

/// The body of OpenAI's `POST /v1/embeddings`, with infinity's `modality` extension.
///
/// `input` is a string, an array of strings, an array of token ids or an array of arrays of token ids. With
/// `"modality": "image"` or `"audio"`, each string is a `data:<mime>;base64,…` URI.
public struct EmbeddingsRequest: Decodable, Sendable {
    public var model: String?
    public var input: EmbeddingInput
    public var encodingFormat: EncodingFormat?
    public var dimensions: Int?
    public var user: String?
    public var modality: String?

    enum CodingKeys: String, CodingKey {
        case model, input, dimensions, user, modality
        case encodingFormat = "encoding_format"
    }

    /// The items to embed, in order.
    public func items() throws -> [InputItem] {
        let modality = self.modality ?? "text"
        switch input {
        case .strings(let strings):
            return try strings.enumerated().map { try InputItem(string: $1, modality: modality, index: $0) }
        case .tokenIDs(let lists):
            guard modality == "text" else {
                throw ServerError.invalidInput("token ids are text input; modality '\(modality)' takes data URIs")
            }
            return lists.map { .tokenIDs($0) }
        }
    }
}

/// `float` (JSON numbers) or `base64` (little-endian float32 bytes, as OpenAI's client decodes them).
public enum EncodingFormat: String, Decodable, Sendable {
    case float, base64
}

/// What `input` (OpenAI) or `inputs` (TEI) may hold.
public enum EmbeddingInput: Decodable, Sendable, Equatable {
    case strings([String])
    case tokenIDs([[Int]])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let string = try? container.decode(String.self) {
            self = .strings([string])
        } else if let strings = try? container.decode([String].self) {
            self = .strings(strings)
        } else if let ids = try? container.decode([Int].self) {
            self = .tokenIDs([ids])
        } else if let lists = try? container.decode([[Int]].self) {
            self = .tokenIDs(lists)
        } else {
            throw DecodingError.typeMismatch(
                EmbeddingInput.self,
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "expected a string, an array of strings, or token ids ([int] or [[int]])"))
        }
    }

    /// Number of items.
    public var count: Int {
        switch self {
        case .strings(let strings): strings.count
        case .tokenIDs(let lists): lists.count
        }
    }
}
