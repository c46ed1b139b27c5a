import Foundation
@testable import FuseModels
import FuseTestSupport
import Testing

/// The reduced-precision accuracy contract (issue 18; docs/PRECISION.md), against the same model in fp32:
/// - all-MiniLM-L6-v2 (the real checkpoint, tools/setup_models.sh) on the 60 fixture sentences: int8 pooled
///   embeddings mean cosine ≥ 0.999 and worst ≥ 0.995 on CPUs with VNNI (≥ 0.998 / 0.995 without it, where the
///   weights get 7 bits — measured 0.9985 / 0.9962), the nearest neighbour among the sentences changing only at
///   fp32 near-ties;
///   bf16 every cosine ≥ 0.9995.
/// - the random-weight ViT fixture: CLS (pooler) cosine ≥ 0.999 int8, ≥ 0.9995 bf16.
/// Reduced precision never touches the fp32 path: fp32 stays within the parity tests' 1e-4.
@Suite("Reduced precision keeps its accuracy contract")
struct PrecisionContractTests {
    static func cosines(_ a: Tensor, _ b: Tensor) -> [Float] {
        let width = a.shape[a.rank - 1], rows = a.count / width
        let x = a.scalars, y = b.scalars
        return (0..<rows).map { r in
            var dot: Float = 0, nx: Float = 0, ny: Float = 0
            for c in 0..<width {
                let (p, q) = (x[r * width + c], y[r * width + c])
                dot += p * q; nx += p * p; ny += q * q
            }
            return dot / (nx * ny).squareRoot()
        }
    }

    /// The index of each row's nearest other row by cosine.
    static func nearest(_ t: Tensor) throws -> [Int] {
        let unit = try normalizedRows(t)
        let width = unit.shape[1], rows = unit.shape[0], v = unit.scalars
        return (0..<rows).map { r in
            var best = -1, score = -Float.infinity
            for o in 0..<rows where o != r {
                var dot: Float = 0
                for c in 0..<width { dot += v[r * width + c] * v[o * width + c] }
                if dot > score { (best, score) = (o, dot) }
            }
            return best
        }
    }

    static func miniLMEmbeddings(_ model: EncoderModel) throws -> Tensor {
        let reference = try ModelFixtures.reference("minilm")
        let ids = try reference.intRows("ids"), mask = try reference.intRows("mask")
        var rows: [Float] = []
        for start in stride(from: 0, to: ids.count, by: 16) {
            let end = min(start + 16, ids.count)
            let out = try model.run(idTokens(Array(ids[start..<end]), mask: Array(mask[start..<end])), modality: .text)
            rows += out.embeddings.scalars
        }
        return try Tensor(shape: [ids.count, model.embeddingDimension], values: rows)
    }

    @Test("all-MiniLM-L6-v2, 60 sentences: int8 and bf16 against fp32")
    func miniLM() throws {
        let exact = try EncoderModel.load(directory: MiniLMTests.modelFolder())
        let reference = try Self.miniLMEmbeddings(exact)
        let vnni = ComputeCapabilities.current.hasVNNI
        let int8 = try exact.converted(to: .int8)
        #expect(int8.precision == .int8 && int8.precisionNote == nil)
        let quantized = try Self.miniLMEmbeddings(int8)
        #expect(!int8.kernel.isEmpty, "the kernel that ran is reported")
        let c = Self.cosines(quantized, reference)
        let mean = c.reduce(0, +) / Float(c.count)
        #expect(mean >= (vnni ? 0.999 : 0.998), "int8 mean cosine \(mean) on \(ComputeCapabilities.current)")
        #expect(c.min()! >= 0.995, "int8 worst cosine \(c.min()!)")
        // Top-1 retrieval: with 60 queries one flip is 1.7 %, so the ≥ 99 % figure is the bench's (1000 sentences);
        // here every changed neighbour must be a near-tie in fp32 (the two candidates within 0.01 cosine).
        let exactUnit = try normalizedRows(reference).scalars, width = reference.shape[1]
        func score(_ a: Int, _ b: Int) -> Float {
            (0..<width).reduce(0) { $0 + exactUnit[a * width + $1] * exactUnit[b * width + $1] }
        }
        let before = try Self.nearest(reference), after = try Self.nearest(quantized)
        for query in before.indices where before[query] != after[query] {
            let gap = score(query, before[query]) - score(query, after[query])
            #expect(gap < 0.01, "query \(query): nearest changed across a fp32 gap of \(gap)")
        }
        #expect(zip(before, after).filter { $0 == $1 }.count >= c.count - 2)

        let bf16 = try exact.converted(to: .bf16)
        if ComputeCapabilities.current.hasNativeBF16 || bf16.precision == .bf16 {
            let half = Self.cosines(try Self.miniLMEmbeddings(bf16), reference)
            #expect(half.min()! >= 0.9995, "bf16 worst cosine \(half.min()!)")
        } else {
            // Without bf16 kernels the model says so and stays exact.
            #expect(bf16.precision == .fp32 && bf16.precisionNote?.contains("bf16 is not available") == true)
            #expect(maxAbsDifference(try Self.miniLMEmbeddings(bf16), reference) == 0)
        }
        // fp32 is untouched by all of this.
        #expect(try exact.converted(to: .fp32).precision == .fp32)
    }

    @Test("ViT fixture (random weights): pooled CLS int8 ≥ 0.999, bf16 (bf16 attention included) ≥ 0.9995")
    func vit() throws {
        let exact = try EncoderModel.load(directory: ModelFixtures.folder("vit"))
        let reference = try ModelFixtures.reference("vit")
        let tokens = try featureTokens(reference.featureItems("pixel_patches"), modality: .image)
        let expected = try exact.run(tokens, modality: .image).embeddings
        for (precision, bound) in [(Precision.int8, Float(0.999)), (.bf16, 0.9995)] {
            let model = try EncoderModel.load(directory: ModelFixtures.folder("vit"), precision: precision)
            guard model.precision == precision else { continue }  // bf16 unavailable: checked above
            // bf16 blocks attend with bf16 operands (head size 16: the rows kernel), and so do int8 towers over
            // patches; the contract holds with it.
            let layers = try #require(model.towers[.image]?.encoder as? TransformerEncoder).layers
            let projectsInBF16 = { (layer: EncoderLayer) in
                [layer.fusedQKV ?? layer.query, layer.output, layer.fc1, layer.fc2].allSatisfy { $0.precision == .bf16 }
            }
            #expect(layers.allSatisfy { projectsInBF16($0) == (precision == .bf16) && $0.attentionInBF16 })
            let c = Self.cosines(try model.run(tokens, modality: .image).embeddings, expected)
            #expect(c.min()! >= bound, "\(precision) worst CLS cosine \(c.min()!)")
        }
    }

    @Test("towers that share an encoder share its converted weights (converted once)")
    func sharedEncoderConvertedOnce() throws {
        let model = try EncoderModel.load(directory: ModelFixtures.folder("meta"), precision: .int8)
        // fc1 runs int8 on every CPU with oneDNN (q/k/v may stay fp32 where the CPU has neither VNNI nor bf16).
        let layers = model.modalities.compactMap {
            (model.towers[$0]?.encoder as? TransformerEncoder)?.layers.first?.fc1.reduced
        }
        #expect(layers.count == model.modalities.count && layers.count > 1)
        #expect(layers.allSatisfy { $0 === layers[0] })
    }

    @Test(
        "int8 plans: a patch tower's down-projection runs int8, its attention bf16; a shared encoder takes the text tower's plan"
    )
    func int8PlansPerTower() throws {
        let vit = try EncoderModel.load(directory: ModelFixtures.folder("vit"), precision: .int8)
        let vitLayers = try #require(vit.towers[.image]?.encoder as? TransformerEncoder).layers
        #expect(vitLayers.allSatisfy { $0.fc2.precision == .int8 && $0.fusedQKV?.precision == .int8 })
        #expect(vitLayers.allSatisfy { $0.fc2.reduced?.isSmoothed == false && $0.attentionInBF16 })
        // Meta-Transformer: every tower's blocks are the text tower's (with VNNI every projection int8, smoothed but
        // the down-projection; without it q/k/v in the sensitive precision), in every process, whatever order the
        // towers dictionary lists them in.
        let vnni = ComputeCapabilities.current.hasVNNI
        let meta = try EncoderModel.load(directory: ModelFixtures.folder("meta"), precision: .int8)
        let order = EncoderModel.conversionOrder(meta.towers).map(\.0)
        #expect(order.first == .text)
        for modality in meta.modalities {
            let layers = try #require(meta.towers[modality]?.encoder as? TransformerEncoder).layers
            let planned = layers.allSatisfy { layer in
                let smoothedInt8 = [layer.output, layer.fc1].allSatisfy {
                    $0.precision == .int8 && $0.reduced?.isSmoothed == vnni
                }
                let plainDown = layer.fc2.precision == .int8 && layer.fc2.reduced?.isSmoothed == false
                let qkv = layer.fusedQKV?.precision == (vnni ? .int8 : PrecisionConverter.sensitiveInt8Precision)
                return smoothedInt8 && plainDown && qkv && !layer.attentionInBF16
            }
            #expect(planned, "\(modality)")
        }
    }
}
