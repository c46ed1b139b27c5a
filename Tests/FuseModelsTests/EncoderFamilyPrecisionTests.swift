import Foundation
import FuseModels
import FuseTestSupport
import Testing

/// ModernBERT and DeBERTa under `--precision int8 | bf16` (issue 18's contract, docs/PRECISION.md): their block
/// projections go through the shared `Linear`, so they convert like BERT's. On the random-weight fixtures the pooled
/// embeddings keep a cosine to fp32 of ≥ 0.999 with int8 and ≥ 0.9995 with bf16 (the ViT fixture's bounds), and
/// the kernel that ran is reported. Without bf16 kernels the model says so and stays exact.
@Suite("ModernBERT and DeBERTa keep the reduced-precision contract")
struct EncoderFamilyPrecisionTests {
    @Test(
        "pooled embeddings int8 ≥ 0.999, bf16 ≥ 0.9995 cosine to fp32",
        arguments: [
            ("modernbert", "modernbert-random"), ("modernbert-mlm", "modernbert-mlm"),
            ("deberta-v3", "deberta-v3-random"), ("deberta-v2", "deberta-v2"),
        ])
    func contract(folder: String, referenceName: String) throws {
        let exact = try EncoderModel.load(directory: ModelFixtures.folder(folder))
        let reference = try ModelFixtures.reference(referenceName)
        let types = referenceName == "deberta-v2" ? try reference.intRows("token_types") : nil
        let tokens = try idTokens(reference.intRows("ids"), mask: reference.intRows("mask"), types: types)
        let expected = try exact.run(tokens, modality: .text).embeddings
        for (precision, bound) in [(Precision.int8, Float(0.999)), (.bf16, 0.9995)] {
            let model = try EncoderModel.load(directory: ModelFixtures.folder(folder), precision: precision)
            let embeddings = try model.run(tokens, modality: .text).embeddings
            guard model.precision == precision else {
                #expect(model.precisionNote?.contains("not available") == true)
                #expect(maxAbsDifference(embeddings, expected) == 0)
                continue
            }
            #expect(!model.kernel.isEmpty, "the kernel that ran is reported")
            let cosines = PrecisionContractTests.cosines(embeddings, expected)
            #expect(cosines.min()! >= bound, "\(folder) \(precision) worst cosine \(cosines.min()!) \(cosines)")
            #expect(maxAbsDifference(embeddings, expected) > 0, "\(precision) really ran reduced")
        }
    }
}
