import Foundation
import FuseTestSupport
import Testing

@testable import FuseTrain

/// A Python SetFit checkpoint (tiny BERT body + sklearn head in model_head.pkl) converted by
/// tools/convert_setfit_head.py (tools/reference/setfit_convert.py): `SetFitClassifier` gives setfit's
/// `predict_proba` within 1e-5, with the classes in sklearn's order.
@Suite struct ConvertedSetFitTests {
    struct Reference: Decodable {
        let texts: [String]
        let classes: [String]
        let probabilities: [[Double]]
    }

    @Test func classifiesAsSetFit() throws {
        let reference = try JSONDecoder().decode(
            Reference.self, from: Data(contentsOf: FixturePaths.url("setfit/converted-reference.json")))
        let classifier = try SetFitClassifier(directory: FixturePaths.url("setfit/converted"))
        #expect(classifier.classes.map(\.description) == reference.classes)
        let predictions = try classifier.classify(reference.texts)
        var worst = 0.0
        for (prediction, expected) in zip(predictions, reference.probabilities) {
            worst = max(worst, zip(prediction.probabilities, expected).map { abs($0 - $1) }.max() ?? .infinity)
        }
        #expect(predictions.count == reference.texts.count)
        #expect(worst <= 1e-5, "max |Δp| = \(worst)")
    }

    @Test func refusesAFolderWithoutAHead() throws {
        do {
            _ = try SetFitClassifier(directory: FixturePaths.url("setfit/tiny-bert"))
            Issue.record("a folder without a head was accepted")
        } catch let error as SetFitError {
            #expect(error.description.contains("model_head.safetensors is missing"))
        }
    }
}
