import Foundation
import Testing
@testable import FuseLLM

/// The training objective λ·L_CLM + (1−λ)·L_fuse on the fused targets against tools/reference/llm_ensemble.py
/// (torch cross_entropy over transformers logits, the targets of fusion.json): each term within 1e-4.
@Suite struct TrainingLossTests {
    struct Record: Decodable {
        let `case`: Int
        let method: String
        let text: Int
        let lm_loss_weight: Double
        let clm: Double
        let fuse: Double
        let loss: Double
    }

    struct File: Decodable { let losses: [Record] }

    static let records: [Record] = {
        let data = try! Data(contentsOf: LLMFixtures.directory.appendingPathComponent("training.json"))
        return try! JSONDecoder().decode(File.self, from: data).losses
    }()

    static func targets(case c: Int, method: String, text n: Int) -> SparseSteps {
        let text = LLMFixtures.fusion.cases[c].texts[n]
        var steps = SparseSteps()
        for row in method == "mince" ? text.mince : text.avgce { steps.append(ids: row.ids, values: row.probs) }
        return steps
    }

    @Test func lossMatchesTorch() throws {
        var models: [String: LanguageModelBundle] = [:]
        for record in Self.records {
            let name = LLMFixtures.fusion.cases[record.case].base
            if models[name] == nil { models[name] = try LanguageModelBundle(folder: LLMFixtures.model(name)) }
            let ids = LLMFixtures.reference.models[name]!.texts[record.text].ids
            let loss = try FusionTrainingLoss.evaluate(
                model: models[name]!.model, ids: ids,
                targets: Self.targets(case: record.case, method: record.method, text: record.text))
            #expect(abs(loss.clm - record.clm) <= 1e-4, "case \(record.case) \(record.method) text \(record.text) CLM")
            #expect(
                abs(loss.fuse - record.fuse) <= 1e-4, "case \(record.case) \(record.method) text \(record.text) fuse")
            #expect(abs(loss.total(lmLossWeight: record.lm_loss_weight) - record.loss) <= 1e-4)
        }
    }

    @Test func rejectsMisshapenTargets() throws {
        let bundle = try LanguageModelBundle(folder: LLMFixtures.model("gpt2-a"))
        #expect(throws: FuseError.self) {
            try FusionTrainingLoss.evaluate(model: bundle.model, ids: [1, 2, 3], targets: SparseSteps())
        }
        var wrong = SparseSteps()
        for _ in 0..<3 { wrong.append(ids: [Int32(5000)], values: [Float(1)]) }
        #expect(
            throws: LLMError.invalidOption(name: "fused targets", reason: "id 5000 outside the base vocabulary of 317")
        ) {
            try FusionTrainingLoss.evaluate(model: bundle.model, ids: [1, 2, 3], targets: wrong)
        }
    }
}
