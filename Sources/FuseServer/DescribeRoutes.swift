import Foundation
import Fuse
import FuseLENS
import Hummingbird

/// Fuse's own `POST /v1/describe`: LENS descriptors (tags, attributes), captions and the LENS prompt for one image
/// or sound.
///
/// ```json
/// {"model": "clip", "modality": "image", "input": "data:image/png;base64,…", "question": "What is it?"}
/// ```
/// The first request for a model and modality prepares its describer (embeds the tag and attribute vocabularies,
/// or reads them from the vocabulary cache); later requests reuse it. When the model has a caption bank (a
/// `captions.txt` in its folder, or `fuse serve --captions NAME=FILE`), the five bank sentences nearest the input
/// in the shared space are its `captions` (retrieved, as `fuse describe --captions` does) and the prompt has LENS's
/// `Captions:` section; without one, `captions` is absent and the prompt has no such section.
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
        let body = try JSONBody.decode(
            DescribeRequest.self, from: try await JSONBody.collect(request, limit: limits.payloadLimit))
        let model = try pool.model(named: body.model)
        let item = try Self.validate(body)
        // Decoding and the per-item limits first, so a bad item is refused before anything is staged.
        _ = try model.windows(for: item, index: 0, transcribing: false)
        let bytes: Data =
            switch item {
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

    /// The item of a decoded body, checked before any model is involved (`RequestDecoder`).
    static func validate(_ body: DescribeRequest) throws -> InputItem {
        let modality = body.modality ?? "image"
        guard modality == "image" || modality == "audio" else {
            throw ServerError.invalidInput("modality must be image or audio for describe, got '\(modality)'")
        }
        return try InputItem(string: body.input, modality: modality, index: 0)
    }

    /// The description without the temporary file's name.
    struct DescribeResponse: Encodable {
        let object = "description"
        let modality: String
        let tags: [ScoredDescriptor]
        let attributes: [ScoredDescriptor]
        /// Retrieved from the model's caption bank; nil (left out of the JSON) when it has none.
        let captions: [String]?
        let question: String
        let prompt: String

        init(_ description: ImageDescription) {
            modality = description.modality
            tags = description.tags
            attributes = description.attributes
            captions = description.captions
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
        let runtime = model.runtime, bank = model.captionBank
        let task = Task {
            var captioner: RetrievalCaptioner?
            if let bank {
                captioner = try await RetrievalCaptioner.prepare(
                    bank: try DescriptorVocabulary(contentsOf: bank),
                    embedder: runtime)
            }
            return try await Describer.prepare(embedder: runtime, captioner: captioner, modalities: [modality])
        }
        describers[key] = task
        do { return try await task.value } catch {
            describers[key] = nil
            throw error
        }
    }
}
