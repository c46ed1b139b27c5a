import Foundation
import FuseModels
import FuseTestSupport
import Testing

/// Tiny random checkpoints of every family against the outputs `transformers` computed for the same inputs
/// (tools/reference/models_*.py); tolerance 1e-4 max abs on last hidden states, pooled and projected outputs.
@Suite("Model families match transformers")
struct FamilyParityTests {
    @Test("CLIP text tower: causal mask, padding, EOS pooling, projection")
    func clipText() throws {
        let model = try EncoderModel.load(directory: ModelFixtures.folder("clip"))
        let reference = try ModelFixtures.reference("clip")
        let tokens = try idTokens(reference.intRows("text_ids"), mask: reference.intRows("text_mask"))
        let out = try model.run(tokens, modality: .text)
        #expect(try realTokensDifference(out, reference.tensor("text_last_hidden")) <= parityTolerance)
        #expect(maxAbsDifference(out.pooled, try reference.tensor("text_pooled")) <= parityTolerance)
        #expect(maxAbsDifference(out.embeddings, try reference.tensor("text_embeds")) <= parityTolerance)
    }

    @Test("CLIP vision tower: patch GEMM, class token, pre/post LayerNorm, projection; logit_scale")
    func clipVision() throws {
        let model = try EncoderModel.load(directory: ModelFixtures.folder("clip"))
        let reference = try ModelFixtures.reference("clip")
        let out = try model.run(
            featureTokens(reference.featureItems("pixel_patches"), modality: .image),
            modality: .image)
        #expect(maxAbsDifference(out.lastHidden, try reference.tensor("vision_last_hidden")) <= parityTolerance)
        #expect(maxAbsDifference(out.pooled, try reference.tensor("vision_pooled")) <= parityTolerance)
        #expect(maxAbsDifference(out.embeddings, try reference.tensor("image_embeds")) <= parityTolerance)
        #expect(abs((model.logitScale ?? 0) - (try reference.tensor("logit_scale").scalars[0])) <= parityTolerance)
        #expect(model.embeddingDimension == 40)
    }

    @Test("BERT (post-LN) with sentence-transformers mean pooling + Normalize")
    func bert() throws {
        let model = try EncoderModel.load(directory: ModelFixtures.folder("bert"))
        let reference = try ModelFixtures.reference("bert")
        let tokens = try idTokens(
            reference.intRows("ids"), mask: reference.intRows("mask"),
            types: reference.intRows("token_types"))
        let out = try model.run(tokens, modality: .text)
        #expect(try realTokensDifference(out, reference.tensor("last_hidden")) <= parityTolerance)
        #expect(maxAbsDifference(out.embeddings, try reference.tensor("pool_mean")) <= parityTolerance)
        #expect(
            maxAbsDifference(try normalizedRows(out.embeddings), try reference.tensor("st_embeddings"))
                <= parityTolerance)
    }

    @Test("sentence-transformers pooling modes", arguments: [("cls", Pooling.cls), ("max", .max), ("mean", .mean)])
    func poolingModes(mode: String, pooling: Pooling) throws {
        let model = try EncoderModel.load(directory: ModelFixtures.folder("bert"))
        let reference = try ModelFixtures.reference("bert")
        let tokens = try idTokens(
            reference.intRows("ids"), mask: reference.intRows("mask"),
            types: reference.intRows("token_types"))
        let out = try model.run(tokens, modality: .text)
        let pooled = pooling.pool(out.lastHidden, batch: out.batch)
        #expect(maxAbsDifference(pooled, try reference.tensor("pool_\(mode)")) <= parityTolerance)
    }

    @Test("ViT with its tanh pooler")
    func vit() throws {
        let model = try EncoderModel.load(directory: ModelFixtures.folder("vit"))
        let reference = try ModelFixtures.reference("vit")
        let out = try model.run(
            featureTokens(reference.featureItems("pixel_patches"), modality: .image),
            modality: .image)
        #expect(maxAbsDifference(out.lastHidden, try reference.tensor("last_hidden")) <= parityTolerance)
        #expect(maxAbsDifference(out.embeddings, try reference.tensor("pooler")) <= parityTolerance)
    }

    @Test("a bfloat16 checkpoint is widened exactly (reference: the same model with bf16-rounded weights)")
    func bfloat16() throws {
        let model = try EncoderModel.load(directory: ModelFixtures.folder("vit-bf16"))
        let reference = try ModelFixtures.reference("vit")
        let out = try model.run(
            featureTokens(reference.featureItems("pixel_patches"), modality: .image),
            modality: .image)
        #expect(maxAbsDifference(out.lastHidden, try reference.tensor("bf16_last_hidden")) <= parityTolerance)
        #expect(maxAbsDifference(out.embeddings, try reference.tensor("bf16_pooler")) <= parityTolerance)
        // The rounding is visible: the float32 model's outputs differ by far more than the tolerance.
        #expect(maxAbsDifference(out.lastHidden, try reference.tensor("last_hidden")) > 10 * parityTolerance)
    }

    @Test("AST: strided fbank patches, CLS + distillation tokens averaged")
    func ast() throws {
        let model = try EncoderModel.load(directory: ModelFixtures.folder("ast"))
        let reference = try ModelFixtures.reference("ast")
        let out = try model.run(
            featureTokens(reference.featureItems("fbank_patches"), modality: .audio),
            modality: .audio)
        #expect(maxAbsDifference(out.lastHidden, try reference.tensor("last_hidden")) <= parityTolerance)
        #expect(maxAbsDifference(out.embeddings, try reference.tensor("pooler")) <= parityTolerance)
        #expect(model.preprocessing[.audio]?.patchStride == [10, 10])
    }

    @Test("Meta-Transformer: one shared encoder for image, audio and text")
    func metaTransformer() throws {
        let model = try EncoderModel.load(directory: ModelFixtures.folder("meta"))
        let reference = try ModelFixtures.reference("meta")
        #expect(model.modalities == [.audio, .image, .text])
        let image = try model.run(
            featureTokens(reference.featureItems("image_patches"), modality: .image),
            modality: .image)
        #expect(maxAbsDifference(image.lastHidden, try reference.tensor("image_hidden")) <= parityTolerance)
        #expect(maxAbsDifference(image.embeddings, try reference.tensor("image_pooled")) <= parityTolerance)
        let audio = try model.run(
            featureTokens(reference.featureItems("audio_patches"), modality: .audio),
            modality: .audio)
        #expect(maxAbsDifference(audio.lastHidden, try reference.tensor("audio_hidden")) <= parityTolerance)
        #expect(maxAbsDifference(audio.embeddings, try reference.tensor("audio_pooled")) <= parityTolerance)
        let text = try model.run(
            idTokens(reference.intRows("text_ids"), mask: reference.intRows("text_mask")),
            modality: .text)
        #expect(try realTokensDifference(text, reference.tensor("text_hidden")) <= parityTolerance)
        #expect(maxAbsDifference(text.embeddings, try reference.tensor("text_pooled")) <= parityTolerance)
        #expect(model.preprocessing[.text]?.modelDirectory?.lastPathComponent == "text")
    }

    @Test("batching pads: one item alone equals the same item inside a padded batch")
    func batchedEqualsSingle() throws {
        let model = try EncoderModel.load(directory: ModelFixtures.folder("bert"))
        let reference = try ModelFixtures.reference("bert")
        let ids = try reference.intRows("ids"), mask = try reference.intRows("mask")
        let batch = try model.run(idTokens(ids, mask: mask), modality: .text)
        // Item 2 has 5 real tokens; alone and unpadded it must give the batch's row 2.
        let real = mask[2].filter { $0 != 0 }.count
        let single = try model.run(
            idTokens([Array(ids[2].prefix(real))], mask: [Array(mask[2].prefix(real))]),
            modality: .text)
        #expect(maxAbsDifference(single.embeddings, try batch.embeddings.rows(2..<3)) <= 1e-5)
    }
}
