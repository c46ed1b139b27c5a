import Foundation
import Testing
@testable import FuseLLM

/// MinCE / AvgCE fusion against tools/reference/llm_fusellm.py on the fixtures' aligned distributions:
/// weights within 1e-9, fused probabilities within 1e-6 (float32 targets vs float64 reference).
@Suite struct FusionTests {
    @Test(arguments: Array(LLMFixtures.fusion.cases.indices))
    func fusionMatchesFuseLLM(caseIndex: Int) throws {
        let c = LLMFixtures.fusion.cases[caseIndex]
        let reference = LLMFixtures.reference
        for (n, text) in c.texts.enumerated() {
            let base = reference.models[c.base]!.texts[n]
            let sources = c.sources.map { name -> (aligned: SparseSteps, ce: Double) in
                let a = text.aligned[name]!
                var steps = SparseSteps()
                for (ids, logits) in zip(a.ids, a.logits) { steps.append(ids: ids, values: logits) }
                return (steps, reference.models[name]!.texts[n].metric_ce)
            }
            #expect(zip([base.metric_ce] + sources.map(\.ce), text.ces).allSatisfy { abs($0 - $1) < 1e-12 })
            for (method, expected, weights) in [
                (FusionMethod.mince, text.mince, (0..<text.ces.count).map { $0 == text.mince_choice ? 1.0 : 0.0 }),
                (.avgce, text.avgce, text.avgce_weights), (.avgcePaper, text.avgce_paper, text.avgce_paper_weights),
            ] {
                let fused = try Fusion.fuse(
                    base: base.topK, baseCE: base.metric_ce, sources: sources,
                    method: method, temperature: c.temperature)
                #expect(zip(fused.weights, weights).allSatisfy { abs($0 - $1) < 1e-9 }, "\(method) weights")
                #expect(fused.distribution.count == expected.count)
                for t in 0..<min(expected.count, fused.distribution.count) {
                    let row = fused.distribution.row(t)
                    var got = [Int32: Float]()
                    for (id, p) in zip(row.ids, row.values) where p > 0 { got[id] = p }
                    let want = Dictionary(uniqueKeysWithValues: zip(expected[t].ids, expected[t].probs))
                    #expect(Set(got.keys) == Set(want.keys), "\(method) text \(n) step \(t) ids")
                    for (id, p) in want { #expect(abs((got[id] ?? 0) - p) <= 1e-6) }
                }
            }
        }
    }

    @Test func rejectsBadTemperature() {
        #expect(throws: LLMError.self) {
            try Fusion.fuse(base: SparseSteps(), baseCE: 1, sources: [], method: .avgce, temperature: 0)
        }
    }

    @Test func minCEPrefersFirstOnTies() {
        #expect(Fusion.weights(ces: [2, 1, 1], method: .mince) == [0, 1, 0])
        #expect(Fusion.weights(ces: [1, 1], method: .mince) == [1, 0])
    }
}
