import Foundation
import FuseTestSupport
import Testing
@testable import Fuse

/// Early fusion against torch (tools/reference/fusion_early.py → Tests/Fixtures/fusion/early.json): the tiny
/// Meta-Transformer's image, audio and text inputs joined into one sequence per group, groups batched with padding.
/// Tolerance: 1e-4 max abs on the fused unit vectors.
@Suite("Early fusion")
struct EarlyFusionTests {
    struct Reference: Decodable {
        let groups: [[[Item]]]
        let plain: [[Float]]
        let typed: [[Float]]

        /// `["image", 0]` in the JSON.
        enum Item: Decodable {
            case name(String), index(Int)
            init(from decoder: Decoder) throws {
                let value = try decoder.singleValueContainer()
                if let int = try? value.decode(Int.self) {
                    self = .index(int)
                } else {
                    self = .name(try value.decode(String.self))
                }
            }
        }
    }

    static let tolerance: Float = 1e-4

    static func reference() throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: FixtureLocation.url("fusion/early.json")))
    }

    /// The inputs of models/reference/meta.safetensors as tokens (text without its padding).
    static func tokens(_ modality: String, _ index: Int) throws -> Tokens {
        let file = try SafetensorsFile(url: RuntimeFixtures.models.appendingPathComponent("reference/meta.safetensors"))
        switch modality {
        case "image", "audio":
            let all = try file.tensor("\(modality)_patches")
            let rows = all.shape[1], width = all.shape[2]
            let values = Array(all.scalars[(index * rows * width)..<((index + 1) * rows * width)])
            return try Tokens(
                modality: Modality(modality), content: .features(Tensor(shape: [rows, width], values: values)))
        default:
            let ids = try file.tensor("text_ids"), mask = try file.tensor("text_mask")
            let length = ids.shape[1]
            let row = (0..<length).filter { mask.scalars[index * length + $0] != 0 }
            return try Tokens(modality: .text, content: .ids(row.map { Int32(ids.scalars[index * length + $0]) }))
        }
    }

    static func groups(_ reference: Reference) throws -> [[FusionInput]] {
        try reference.groups.map { group in
            try group.map { item in
                guard case .name(let modality) = item[0], case .index(let index) = item[1] else {
                    throw FuseError.invalidArgument(what: "early.json", reason: "bad group item")
                }
                return FusionInput(
                    source: "\(modality)\(index)", modality: Modality(modality), pluginID: "fixture",
                    windows: [try tokens(modality, index)])
            }
        }
    }

    @Test(
        "tiny Meta-Transformer without (zeros) and with type embeddings: equals torch ≤ 1e-4",
        arguments: ["meta", "typed"])
    func matchesTorch(variant: String) throws {
        let reference = try Self.reference()
        let folder =
            variant == "meta"
            ? RuntimeFixtures.models.appendingPathComponent("meta")
            : FixtureLocation.url("fusion/meta-typed")
        let model = try EncoderModel.load(directory: folder)
        let expected = variant == "meta" ? reference.plain : reference.typed
        let results = try EarlyFusion.fuse(try Self.groups(reference), model: model)
        #expect(results.count == expected.count)
        for (result, want) in zip(results, expected) {
            let error = maxAbsDifference(result.embedding.vector, want)
            #expect(error <= Self.tolerance, "\(variant) \(result.inputs): max abs error \(error)")
            #expect(result.strategy == "early" && result.embedding.modality == Modality("fused"))
        }
        // The type vectors really change the result (so the typed fixture tests something).
        if variant == "typed" { #expect(maxAbsDifference(reference.plain[0], reference.typed[0]) > 1e-2) }
    }

    @Test("one group at a time gives the same vectors as the padded batch")
    func unbatchedEqualsBatched() throws {
        let reference = try Self.reference()
        let model = try EncoderModel.load(directory: RuntimeFixtures.models.appendingPathComponent("meta"))
        for (index, group) in try Self.groups(reference).enumerated() {
            let single = try EarlyFusion.fuse([group], model: model)[0]
            #expect(maxAbsDifference(single.embedding.vector, reference.plain[index]) <= Self.tolerance)
        }
    }

    @Test("a group of one input equals that input's ordinary embedding (tiny Meta-Transformer image tower)")
    func singleInputIsPlainEmbedding() throws {
        let model = try EncoderModel.load(directory: RuntimeFixtures.models.appendingPathComponent("meta"))
        let image = try Self.tokens("image", 1)
        let plain = try model.run([image], modality: .image).embeddings.scalars
        let fused = try EarlyFusion.fuse(
            [[FusionInput(source: "i", modality: .image, pluginID: "p", windows: [image])]],
            model: model)[0]
        #expect(maxAbsDifference(fused.embedding.vector, FuseRuntime.unitMean([plain])) <= 1e-5)
    }

    @Test("towers of different widths: a named error")
    func widthMismatch() throws {
        let meta = try EncoderModel.load(directory: RuntimeFixtures.models.appendingPathComponent("meta"))
        let narrow = IDEmbedder(
            modality: .text, table: Tensor(shape: [10, 8]) { $0.update(repeating: 0.1) },
            positions: Tensor(shape: [4, 8]) { $0.update(repeating: 0) })
        let encoder = meta.towers[.image]!.encoder
        let model = EncoderModel(
            directory: meta.directory, modelType: "test",
            towers: [
                .image: meta.towers[.image]!,
                .text: Tower(modality: .text, embedder: narrow, encoder: encoder, pooling: .mean),
            ], preprocessing: [:])
        let text = try Tokens(modality: .text, content: .ids([1, 2]))
        let image = try Self.tokens("image", 0)
        #expect(
            throws: JointSequenceError.widthMismatch(model: "meta", widths: ["image of width 48", "text of width 8"])
        ) {
            _ = try EarlyFusion.fuse(
                [
                    [
                        FusionInput(source: "a", modality: .image, pluginID: "p", windows: [image]),
                        FusionInput(source: "b", modality: .text, pluginID: "p", windows: [text]),
                    ]
                ], model: model)
        }
    }

    @Test("a modality the model has no tower for: a named error")
    func missingTower() throws {
        let model = try EncoderModel.load(directory: RuntimeFixtures.models.appendingPathComponent("vit"))
        let text = try Tokens(modality: .text, content: .ids([1, 2]))
        #expect(throws: ModelError.self) {
            _ = try EarlyFusion.fuse(
                [[FusionInput(source: "b", modality: .text, pluginID: "p", windows: [text])]],
                model: model)
        }
    }

    @Test(
        "tiny CLIP (text and vision towers of width 48): a group of one equals transformers' text/image embeds ≤ 1e-4")
    func clipSingleInputs() throws {
        let model = try EncoderModel.load(directory: RuntimeFixtures.models.appendingPathComponent("clip"))
        let file = try SafetensorsFile(url: RuntimeFixtures.models.appendingPathComponent("reference/clip.safetensors"))
        let ids = try file.tensor("text_ids"), mask = try file.tensor("text_mask"),
            patches = try file.tensor("pixel_patches")
        let textEmbeds = try file.tensor("text_embeds"), imageEmbeds = try file.tensor("image_embeds")
        let length = ids.shape[1]
        let real = (0..<length).filter { mask.scalars[$0] != 0 }
        let text = try Tokens(modality: .text, content: .ids(real.map { Int32(ids.scalars[$0]) }))
        let image = try Tokens(
            modality: .image,
            content: .features(
                Tensor(shape: [25, 108], values: Array(patches.scalars[0..<(25 * 108)]))))
        let input = { (tokens: Tokens) in
            FusionInput(
                source: "\(tokens.modality)", modality: tokens.modality, pluginID: "p",
                windows: [tokens])
        }
        let results = try EarlyFusion.fuse([[input(text)], [input(image)], [input(text), input(image)]], model: model)
        #expect(
            maxAbsDifference(results[0].embedding.vector, FuseRuntime.unitMean([Array(textEmbeds.scalars[0..<40])]))
                <= 1e-4)
        #expect(
            maxAbsDifference(results[1].embedding.vector, FuseRuntime.unitMean([Array(imageEmbeds.scalars[0..<40])]))
                <= 1e-4)
        // Jointly encoded, the pair differs from the mean of the two separate embeddings (they attend to each other).
        let late = FuseRuntime.unitMean([results[0].embedding.vector, results[1].embedding.vector])
        #expect(results[2].embedding.dimension == 40 && maxAbsDifference(results[2].embedding.vector, late) > 1e-3)
    }
}
