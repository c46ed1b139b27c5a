import Foundation
import FuseTestSupport
import Testing

@testable import FuseModels

/// `OutlierProbe`: the rule that picks a GEMM input's outlier channels from their probe peaks, and the load-time
/// probe on all-MiniLM-L6-v2 (the real checkpoint, tools/setup_models.sh), whose massive-activation channels are known
/// from tools/reference/int8_recipe_study.py's statistics over real sentences: dimension 99 of every MLP input peaks at
/// 22–30 against a median channel peak of 1.3–1.6, and each block's GELU output has one channel at 14–25 against 0.9.
@Suite("Outlier channels found at load")
struct OutlierProbeTests {
    @Test("channels above ratio × the median peak, largest first, at most `limit`")
    func selectionRule() {
        let probe = OutlierProbe(ratio: 6, limit: 2, inputs: [.mlp])
        var peaks = [Float](repeating: 1, count: 101)
        peaks[7] = 6.5
        peaks[40] = 30
        peaks[90] = 12
        peaks[3] = 6  // not above 6 × 1
        #expect(probe.select(peaks) == [40, 90])
        #expect(OutlierProbe(ratio: 6, limit: 8, inputs: [.mlp]).select(peaks) == [40, 90, 7])
        #expect(probe.select([Float](repeating: 2, count: 10)) == [])
        #expect(probe.select([]) == [])
        peaks[5] = .infinity
        #expect(OutlierProbe(ratio: 6, limit: 8, inputs: [.mlp]).select(peaks) == [40, 90, 7])
    }

    @Test("SmoothQuant factors: peak^α / weight peak^(1−α), floored at 1e-5, over their median")
    func smoothingFactors() {
        let probe = OutlierProbe(ratio: 6, limit: 4, inputs: [], smoothed: [.mlp], alpha: 0.5)
        // raw: √(4/1) = 2, √(1/1) = 1, √(16/4) = 2, √(1e-5/1e-5) = 1, √(9/0.25) = 6 → median 2.
        let factors = probe.smoothingFactors(peaks: [4, 1, 16, 0, 9], weightPeaks: [1, 1, 4, 0, 0.25])
        let expected: [Float] = [1, 0.5, 1, 0.5, 3]
        #expect(zip(factors, expected).allSatisfy { abs($0 - $1) < 1e-6 }, "\(factors)")
        let strong = OutlierProbe(ratio: 6, limit: 4, inputs: [], smoothed: [.mlp], alpha: 1)
        #expect(strong.smoothingFactors(peaks: [2, 8, 4], weightPeaks: [9, 9, 9]) == [0.5, 2, 1])
        let unbounded = probe.smoothingFactors(peaks: [.infinity, 1, 1], weightPeaks: [1, 1, 1])
        #expect(unbounded.allSatisfy { $0.isFinite && $0 > 0 }, "\(unbounded)")
    }

    @Test("all-MiniLM-L6-v2: the probe finds dimension 99 of the MLP inputs and a GELU channel per block")
    func miniLMChannels() throws {
        let model = try EncoderModel.load(directory: MiniLMTests.modelFolder())
        guard let tower = model.towers[.text], let encoder = tower.encoder as? TransformerEncoder,
            let (vocabulary, _) = Tower.tokenTable(tower.embedder)
        else {
            Issue.record("MiniLM's text tower is not a TransformerEncoder over a token-id embedder")
            return
        }
        let probe = OutlierProbe(ratio: 6, limit: 4, inputs: Set(BlockInput.allCases))
        let tokens = try Tokens(modality: .text, content: .ids(probe.probeIDs(vocabularySize: vocabulary)))
        let peaks = try probe.peaks(of: encoder, hidden: try tower.embedder.embed([tokens]).hidden, causal: false)
        let found = peaks.map { layer in layer.mapValues { probe.select($0) } }
        #expect(found.count == 6)
        for (index, layer) in found.enumerated() {
            #expect(layer[.mlp]?.contains(99) == true, "block \(index) MLP input: \(layer[.mlp] ?? [])")
            #expect(layer[.mlpOutput]?.isEmpty == false, "block \(index) GELU output: none found")
            #expect(layer.values.allSatisfy { $0.count <= probe.limit })
        }
    }
}
