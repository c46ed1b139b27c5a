import Foundation
import Fuse
import FuseLENS
import Hummingbird

/// Fuse's own `POST /v1/describe`: LENS descriptors (tags, attributes) and the LENS prompt for one image or sound.
///
/// ```json
/// {"model": "clip", "modality": "image", "input": "data:image/png;base64,…", "question": "What is it?"}
/// ```
/// The first request for a model and modality prepares its describer (embeds the tag and attribute vocabularies,
/// or reads them from the vocabulary cache); later requests reuse it.
struct DescribeRoutes: Sendable {
    let pool: ModelPool
    let limits: ServerConfiguration.Limits
    let describers = DescriberCache()

    struct DescribeRequest: Decodable {
        var model: String?
        var modality: String?
        var input: String
        var question: String?
    }

    func describe(_ request: Request) async throws -> Response {
        let body = try await JSONBody.decode(DescribeRequest.self, from: request, limit: limits.payloadLimit)
        let model = try pool.model(named: body.model)
        let modality = body.modality ?? "image"
        guard modality == "image" || modality == "audio" else {
            throw ServerError.invalidInput("modality must be image or audio for describe, got '\(modality)'")
        }
        let item = try InputItem(string: body.input, modality: modality, index: 0)
        // Decoding and the per-item limits first, so a bad item is refused before anything is staged.
        _ = try model.windows(for: item, index: 0)
        let bytes: Data = switch item {
        case .image(let data), .audio(let data): data
        case .text, .tokenIDs: Data()
        }
        let description = try await withRequestTimeout(limits.requestTimeout) {
            let describer = try await describers.describer(for: model, modality: item.modality)
            // LENS reads files; the bytes go to a private temporary file the server names and removes.
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-serve-\(UUID().uuidString)")
            try bytes.write(to: file, options: .withoutOverwriting)
            defer { try? FileManager.default.removeItem(at: file) }
            return try await describer.describe([file], question: body.question ?? "")[0]
        }
        return try JSONBody.response(DescribeResponse(description))
    }

    /// The description without the temporary file's name.
    struct DescribeResponse: Encodable {
        let object = "description"
        let modality: String
        let tags: [ScoredDescriptor]
        let attributes: [ScoredDescriptor]
        let question: String
        let prompt: String

        init(_ description: ImageDescription) {
            modality = description.modality
            tags = description.tags
            attributes = description.attributes
            question = description.question
            prompt = description.prompt
        }
    }
}

/// Prepared describers by model and modality, built once each.
actor DescriberCache {
    private var describers: [String: Task<Describer, any Error>] = [:]

    func describer(for model: ServedModel, modality: Modality) async throws -> Describer {
        let key = "\(model.name)\u{0}\(modality.name)"
        if let task = describers[key] { return try await task.value }
        let runtime = model.runtime
        let task = Task { try await Describer.prepare(embedder: runtime, modalities: [modality]) }
        describers[key] = task
        do { return try await task.value } catch {
            describers[key] = nil
            throw error
        }
    }
}
