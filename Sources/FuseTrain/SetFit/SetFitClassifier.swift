import Foundation
import Fuse
import FuseCore

/// A trained SetFit folder for inference: the body embeds with Fuse's inference path, the head gives class
/// probabilities.
///
/// ```swift
/// let classifier = try SetFitClassifier(directory: URL(fileURLWithPath: "out/sentiment"))
/// let predictions = try classifier.classify(["a delightful film", "a waste of two hours"])
/// print(predictions[0].label, predictions[0].probabilities)
/// ```
public final class SetFitClassifier: Sendable {
    public let directory: URL
    public let classes: [ClassLabel]
    public let head: LogisticRegressionHead
    private let runtime: FuseRuntime

    /// One text's prediction: the most probable label and every class's probability (in `classes` order).
    public struct Prediction: Sendable {
        public let text: String
        public let label: ClassLabel
        public let probabilities: [Double]
    }

    /// Loads the folder. Throws `SetFitError.invalidModelFolder` when the head files are missing or malformed, or
    /// when the head's width is not the body's embedding width.
    public init(directory: URL) throws {
        let (head, classes) = try SetFitFolder.readHead(directory)
        self.directory = directory
        self.head = head
        self.classes = classes
        runtime = try FuseRuntime(modelDirectory: directory)
    }

    /// Classifies `texts` (batched through the body).
    public func classify(_ texts: [String]) throws -> [Prediction] {
        guard !texts.isEmpty else { return [] }
        let embeddings = try runtime.embed(samples: texts.map { .text($0) }).map(\.vector)
        guard embeddings.first?.count == head.dimension else {
            throw SetFitError.invalidModelFolder(
                path: directory.path,
                reason:
                    "the head takes \(head.dimension)-dimensional embeddings but the body gives \(embeddings.first?.count ?? 0)"
            )
        }
        return try zip(texts, head.predictProbabilities(embeddings)).map { text, probabilities in
            let best = probabilities.indices.max { probabilities[$0] < probabilities[$1] }!
            return Prediction(text: text, label: classes[best], probabilities: probabilities)
        }
    }
}
