import Foundation

/// A fitted logistic-regression head: sklearn's `coef_` and `intercept_` (one row for two classes, one row per
/// class for more) and `predict_proba`.
public struct LogisticRegressionHead: Sendable, Equatable {
    /// sklearn's `coef_`: rows × embedding dimension.
    public let coefficients: [[Double]]
    /// sklearn's `intercept_`: one per row.
    public let intercepts: [Double]
    /// How many classes the head tells apart (2 when there is one row).
    public let classCount: Int
    /// L-BFGS iterations the fit took (sklearn's `n_iter_`); 0 for a head read from a file.
    public let iterations: Int

    /// A head from stored weights. Throws `SetFitError.invalidHead` when the shapes disagree.
    public init(coefficients: [[Double]], intercepts: [Double], classCount: Int, iterations: Int = 0) throws {
        let expectedRows = classCount == 2 ? 1 : classCount
        guard classCount >= 2 else { throw SetFitError.invalidHead(reason: "\(classCount) classes; at least 2 needed") }
        guard coefficients.count == expectedRows, intercepts.count == expectedRows else {
            throw SetFitError.invalidHead(
                reason: "\(classCount) classes need \(expectedRows) coefficient rows and intercepts, "
                    + "found \(coefficients.count) and \(intercepts.count)")
        }
        guard let width = coefficients.first?.count, width > 0, coefficients.allSatisfy({ $0.count == width }) else {
            throw SetFitError.invalidHead(reason: "coefficient rows are empty or of different lengths")
        }
        self.coefficients = coefficients
        self.intercepts = intercepts
        self.classCount = classCount
        self.iterations = iterations
    }

    /// The embedding width the head expects.
    public var dimension: Int { coefficients[0].count }

    /// sklearn's `predict_proba`: one row of class probabilities per embedding (columns in class order).
    /// Throws `SetFitError.invalidHead` when an embedding's width is not `dimension`.
    public func predictProbabilities(_ embeddings: [[Float]]) throws -> [[Double]] {
        try embeddings.map { embedding in
            guard embedding.count == dimension else {
                throw SetFitError.invalidHead(
                    reason: "the head takes \(dimension)-dimensional embeddings, got \(embedding.count)")
            }
            let logits = zip(coefficients, intercepts).map { row, intercept in
                zip(row, embedding).reduce(intercept) { $0 + $1.0 * Double($1.1) }
            }
            if classCount == 2 {
                let positive = 1 / (1 + Foundation.exp(-logits[0]))
                return [1 - positive, positive]
            }
            let largest = logits.max()!
            let exponentials = logits.map { Foundation.exp($0 - largest) }
            let total = exponentials.reduce(0, +)
            return exponentials.map { $0 / total }
        }
    }

    /// The most probable class of each embedding.
    public func predict(_ embeddings: [[Float]]) throws -> [Int] {
        try predictProbabilities(embeddings).map { row in row.indices.max { row[$0] < row[$1] }! }
    }
}
