import Foundation
import FuseModels
import FuseTestSupport
import Testing

/// ModernBERT and DeBERTa-v2/v3 against transformers (tools/reference/models_encoder_families.py): tiny random
/// checkpoints of odd sizes, padded batches, sequences longer than ModernBERT's local window, both DeBERTa bucket
/// regimes, the convolution on and off. Tolerance 1e-4 max abs (`parityTolerance`) on real tokens' last hidden
/// states (padded rows: Fuse returns zeros, the reference rows are zeroed), mean / CLS pooled vectors and
/// sentence-transformers embeddings.
@Suite("ModernBERT and DeBERTa match transformers")
struct EncoderFamilyParityTests {
    /// (fixture folder, reference file, uses token types)
    static let cases: [(String, String, Bool)] = [
        ("modernbert", "modernbert", false), ("modernbert", "modernbert-random", false),
        ("modernbert-mlm", "modernbert-mlm", false),
        ("deberta-v3", "deberta-v3", false), ("deberta-v3", "deberta-v3-random", false),
        ("deberta-v2", "deberta-v2", true),
    ]

    static func tokens(_ reference: SafetensorsFile, types: Bool) throws -> [Tokens] {
        try idTokens(
            reference.intRows("ids"), mask: reference.intRows("mask"),
            types: types ? reference.intRows("token_types") : nil)
    }

    @Test("last hidden states and mean / CLS pooling", arguments: cases)
    func parity(folder: String, referenceName: String, types: Bool) throws {
        let model = try EncoderModel.load(directory: ModelFixtures.folder(folder))
        let reference = try ModelFixtures.reference(referenceName)
        let out = try model.run(Self.tokens(reference, types: types), modality: .text)
        #expect(maxAbsDifference(out.lastHidden, try reference.tensor("last_hidden")) <= parityTolerance)
        #expect(
            maxAbsDifference(Pooling.mean.pool(out.lastHidden, batch: out.batch), try reference.tensor("mean"))
                <= parityTolerance)
        #expect(
            maxAbsDifference(Pooling.cls.pool(out.lastHidden, batch: out.batch), try reference.tensor("cls"))
                <= parityTolerance)
    }

    @Test(
        "sentence-transformers folders: ModernBERT mean + Normalize, DeBERTa-v3 CLS + Normalize",
        arguments: [("modernbert", "mean"), ("deberta-v3", "cls")])
    func sentenceTransformers(folder: String, pooled: String) throws {
        let model = try EncoderModel.load(directory: ModelFixtures.folder(folder))
        let reference = try ModelFixtures.reference(folder)
        let out = try model.run(Self.tokens(reference, types: false), modality: .text)
        #expect(maxAbsDifference(out.embeddings, try reference.tensor(pooled)) <= parityTolerance)
        #expect(
            maxAbsDifference(try normalizedRows(out.embeddings), try reference.tensor("st_embeddings"))
                <= parityTolerance)
        #expect(try model.tower(for: .text).pooling == (pooled == "cls" ? .cls : .mean))  // 1_Pooling/config.json
    }

    @Test(
        "ModernBERT unpadded and padded batches agree on real tokens",
        arguments: ["modernbert-random", "modernbert-mlm"])
    func unpadding(referenceName: String) throws {
        let folder = referenceName == "modernbert-mlm" ? "modernbert-mlm" : "modernbert"
        let model = try EncoderModel.load(directory: ModelFixtures.folder(folder))
        let reference = try ModelFixtures.reference(referenceName)
        let tower = try model.tower(for: .text)
        var padded = try #require(tower.encoder as? ModernBERTEncoder)
        #expect(padded.unpadded)
        padded.unpadded = false
        let paddedTower = Tower(modality: .text, embedder: tower.embedder, encoder: padded, pooling: tower.pooling)
        let out = try paddedTower(Self.tokens(reference, types: false))
        let masked = try maskRows(out.lastHidden, mask: out.batch.mask)
        #expect(maxAbsDifference(masked, try reference.tensor("last_hidden")) <= parityTolerance)
        #expect(maxAbsDifference(out.embeddings, try reference.tensor("mean")) <= parityTolerance)
    }

    @Test("both ModernBERT config styles: layer pattern, window, thetas")
    func modernBERTConfigs() throws {
        let old = try #require(
            try EncoderModel.load(directory: ModelFixtures.folder("modernbert"))
                .tower(for: .text).encoder as? ModernBERTEncoder)
        #expect(old.globalLayers == [true, false, false, true] && old.localWindow == 4)
        let new = try #require(
            try EncoderModel.load(directory: ModelFixtures.folder("modernbert-mlm"))
                .tower(for: .text).encoder as? ModernBERTEncoder)
        #expect(new.globalLayers == [false, true, false, false, true] && new.localWindow == 3)
    }

    @Test(
        "DeBERTa relative buckets equal transformers' build_relative_position", arguments: ["deberta-v3", "deberta-v2"])
    func buckets(name: String) throws {
        let model = try EncoderModel.load(directory: ModelFixtures.folder(name))
        let encoder = try #require(try model.tower(for: .text).encoder as? DeBERTaEncoder)
        let positions = try #require(encoder.relativePositions)
        let table = try ModelFixtures.reference(name).tensor("rel_pos")
        let length = table.shape[1]
        var mismatches = 0
        for i in 0..<length {
            for j in 0..<length where Float(positions.bucket(i - j)) != table[0, i, j] { mismatches += 1 }
        }
        #expect(mismatches == 0)
        #expect(
            name == "deberta-v3"
                ? positions.buckets == 8 && positions.maxPosition == 20
                : positions.buckets <= 0 && positions.span == 5)
    }
}

/// `t` `[batch, sequence, width]` with the rows whose mask entry is 0 set to zero.
func maskRows(_ t: Tensor, mask: [Int32]) throws -> Tensor {
    let width = t.shape[t.rank - 1]
    var values = t.scalars
    for (row, flag) in mask.enumerated() where flag == 0 {
        for index in (row * width)..<((row + 1) * width) { values[index] = 0 }
    }
    return try Tensor(shape: t.shape, values: values)
}

/// The largest difference between `out.lastHidden` and transformers' `reference` over real tokens only: encoders run
/// batches unpadded and return zeros at padding, where transformers leaves values that no real token reads.
func realTokensDifference(_ out: TowerOutput, _ reference: Tensor) throws -> Float {
    maxAbsDifference(
        try maskRows(out.lastHidden, mask: out.batch.mask), try maskRows(reference, mask: out.batch.mask))
}
