import Foundation
import FuseCore
import FuseTestSupport
import Testing

@testable import FuseNER

/// `NERModel.load(directory:precision:)` against the same model in fp32 (the reference the parity suite ties to
/// gliner): the backbone's blocks really run reduced, the heads stay fp32, span probabilities stay within a stated
/// bound of fp32's, and the decoded entities equal fp32's wherever fp32's score is clear of the threshold by more
/// than that bound. The tiny random fixtures are a harsh yardstick (random weights, no trained outlier structure);
/// `fuse bench ner --precision` measures agreement on the gliner_small-shaped model (docs/NER.md).
@Suite struct NERPrecisionTests {
    static let cases: [(String, Precision)] = GLiNERFixture.names.flatMap { name in
        [Precision.bf16, .int8].map { (name, $0) }
    }

    /// The largest change of a span probability (sigmoid of the logit) from fp32's that each precision may make on
    /// the fixtures. Measured on this repository's fixtures: bf16 ≤ 0.04, int8 ≤ 0.10; the bounds leave headroom
    /// for CPUs whose int8 kernels use 7-bit weights (no VNNI).
    static func probabilityBound(_ precision: Precision) -> Float { precision == .int8 ? 0.15 : 0.06 }

    @Test(arguments: cases)
    func reducedBackboneKeepsFP32Heads(name: String, precision: Precision) throws {
        let model = try NERModel.load(directory: FixturePaths.url("ner/\(name)"), precision: precision)
        guard model.precision != .fp32 else {
            // A CPU without the kernels keeps fp32 and says why.
            #expect(model.precisionNote != nil)
            return
        }
        #expect(model.precision == precision)
        #expect(model.precisionNote == nil)
        #expect(model.backbone.encoder.reducedSample != nil, "the backbone's blocks should compute in \(precision)")
        let heads = [
            model.scorer.projectStart, model.scorer.projectEnd, model.scorer.outProject,
            model.scorer.promptProject,
        ]
        #expect(heads.allSatisfy { $0.first.precision == .fp32 && $0.second.precision == .fp32 })
        #expect(model.projection.map { $0.precision == .fp32 } ?? true)
    }

    /// Span probabilities of every fixture text within `probabilityBound` of fp32's.
    @Test(arguments: cases)
    func spanProbabilitiesStayNearFP32(name: String, precision: Precision) throws {
        let fixture = try GLiNERFixture.load(name)
        let model = try NERModel.load(directory: FixturePaths.url("ner/\(name)"), precision: precision)
        var largest: Float = 0
        for item in fixture.cases {
            let exact = try probabilities(fixture.model, item)
            let reduced = try probabilities(model, item)
            #expect(exact.count == reduced.count)
            largest = max(largest, maxAbsDifference(reduced, exact))
        }
        let bound = Self.probabilityBound(model.precision)
        #expect(largest <= bound, "\(name) \(model.precision): largest probability change \(largest) > \(bound)")
        print("NERPrecisionTests \(name) \(model.precision): largest span probability change \(largest)")
    }

    /// Every run of every fixture text (thresholds, flat and nested, multi-label) whose candidates are all clear of
    /// the threshold by `probabilityBound`: the candidates above the threshold are fp32's exactly, and the decoded
    /// entities equal fp32's in spans and labels unless two overlapping candidates score within twice the bound of
    /// each other (such a near-tie may decide gliner's greedy order either way, in fp32 against float64 too).
    @Test(arguments: cases)
    func entitiesEqualFP32AwayFromTheThreshold(name: String, precision: Precision) throws {
        let fixture = try GLiNERFixture.load(name)
        let model = try NERModel.load(directory: FixturePaths.url("ner/\(name)"), precision: precision)
        let bound = Self.probabilityBound(model.precision)
        var compared = 0
        var decoded = 0
        for item in fixture.cases {
            let exactScores = try probabilities(fixture.model, item)
            let reducedScores = try probabilities(model, item)
            let spans = Self.spans(words: item.words.count, maxWidth: fixture.maxWidth)
            let labels = exactScores.count / max(spans.count, 1)
            for run in item.runs {
                let threshold = run.options.threshold
                guard !exactScores.contains(where: { abs($0 - threshold) <= bound }) else { continue }
                compared += 1
                let exactCandidates = exactScores.indices.filter { exactScores[$0] > threshold }
                let reducedCandidates = reducedScores.indices.filter { reducedScores[$0] > threshold }
                #expect(exactCandidates == reducedCandidates, "\(name) \(model.precision) '\(item.text.prefix(30))'")
                let nearTie = exactCandidates.contains { a in
                    exactCandidates.contains { b in
                        a != b && abs(exactScores[a] - exactScores[b]) <= 2 * bound
                            && spans[a / labels].overlaps(spans[b / labels])
                    }
                }
                guard !nearTie else { continue }
                decoded += 1
                let exact = try fixture.model.extract(item.text, labels: item.labels, options: run.options)
                let reduced = try model.extract(item.text, labels: item.labels, options: run.options)
                #expect(
                    exact.map(\.start) == reduced.map(\.start) && exact.map(\.end) == reduced.map(\.end)
                        && exact.map(\.label) == reduced.map(\.label),
                    "\(name) \(model.precision) '\(item.text.prefix(30))' \(run.options): \(reduced) vs \(exact)")
            }
        }
        #expect(compared >= 3, "\(name) \(model.precision): only \(compared) runs clear of the threshold to compare")
        #expect(decoded >= 1, "\(name) \(model.precision): no run without near-ties to compare decoded entities on")
        print(
            "NERPrecisionTests \(name) \(model.precision): candidates equal on \(compared) runs, decoded entities on "
                + "\(decoded)")
    }

    /// The word ranges of the logits' rows: by start, then width, those past the text's end left out.
    static func spans(words: Int, maxWidth: Int) -> [Range<Int>] {
        (0..<words).flatMap { start in (0..<maxWidth).compactMap { start + $0 < words ? start..<(start + $0 + 1) : nil }
        }
    }

    /// `sigmoid(logits)` of every span inside the text, for every label.
    private func probabilities(_ model: NERModel, _ item: GLiNERFixture.Case) throws -> [Float] {
        let prompt = try LabelPrompt(labels: item.labels, model: model)
        let pieces = try model.tokenizer.modelIDsBatch(item.words.map(\.text))
        let logits = try model.logits(
            windows: [prompt.input(pieces: pieces[...], end: model.ids.end)], prompt: prompt, batchSize: 1)[0]
        return logits.scalars.map { 1 / (1 + expf(-$0)) }
    }
}
