import Foundation

/// sklearn's `LogisticRegression()` as SetFit's stage 2 uses it: L2 penalty with strength C, fit by L-BFGS from
/// zero, multinomial (softmax) for three or more classes and one logistic row for two.
///
/// The objective is sklearn's: mean log-loss + ½·(1/(C·n))·‖W‖², the intercept unpenalised. With the default
/// `LBFGS()` settings the fit takes scipy's steps and stops where sklearn stops (its `tol=1e-4` leaves the weights
/// ~1e-3 from the exact optimum); set `solver.gradientTolerance` lower to converge fully.
///
/// ```swift
/// let head = try LogisticRegression().fit(embeddings: rows, labels: [0, 1, 1, 0], classCount: 2)
/// let probabilities = head.predictProbabilities(rows)   // [[P(class 0), P(class 1)], …]
/// ```
public struct LogisticRegression: Sendable {
    /// Inverse regularisation strength (sklearn's `C`).
    public var c = 1.0
    /// The optimiser and its stopping rules.
    public var solver = LBFGS()

    public init(c: Double = 1.0, solver: LBFGS = LBFGS()) {
        self.c = c
        self.solver = solver
    }

    /// Fits the head to `embeddings` (n rows of one width) with `labels` in `0..<classCount`.
    /// Throws `SetFitError.invalidTrainingData` when the rows are empty or ragged, a label is out of range, fewer
    /// than two classes occur, or C is not positive.
    public func fit(embeddings: [[Float]], labels: [Int], classCount: Int) throws -> LogisticRegressionHead {
        let data = try Self.validated(embeddings: embeddings, labels: labels, classCount: classCount, c: c)
        let rows = classCount == 2 ? 1 : classCount
        let width = data.dimension + 1  // weights then intercept, per row
        let l2 = 1 / (c * Double(data.count))
        let result = solver.minimize(start: [Double](repeating: 0, count: rows * width)) { parameters, gradient in
            Self.objective(parameters, gradient: &gradient, data: data, rows: rows, l2: l2)
        }
        var coefficients: [[Double]] = [], intercepts: [Double] = []
        for row in 0..<rows {
            coefficients.append(Array(result.x[(row * width)..<(row * width + data.dimension)]))
            intercepts.append(result.x[row * width + data.dimension])
        }
        return try LogisticRegressionHead(
            coefficients: coefficients, intercepts: intercepts, classCount: classCount,
            iterations: result.iterations)
    }

    /// The training set as doubles, row-major.
    struct TrainingData {
        var x: [Double]
        var labels: [Int]
        var count: Int
        var dimension: Int
    }

    static func validated(embeddings: [[Float]], labels: [Int], classCount: Int, c: Double) throws -> TrainingData {
        guard c > 0, c.isFinite else {
            throw SetFitError.invalidTrainingData(reason: "C must be a positive number, not \(c)")
        }
        guard let dimension = embeddings.first?.count, dimension > 0 else {
            throw SetFitError.invalidTrainingData(reason: "no embeddings to fit the head to")
        }
        guard embeddings.count == labels.count else {
            throw SetFitError.invalidTrainingData(
                reason: "\(embeddings.count) embeddings but \(labels.count) labels")
        }
        if let ragged = embeddings.firstIndex(where: { $0.count != dimension }) {
            throw SetFitError.invalidTrainingData(
                reason: "embedding \(ragged) has \(embeddings[ragged].count) values, the first has \(dimension)")
        }
        if let bad = labels.firstIndex(where: { !(0..<classCount).contains($0) }) {
            throw SetFitError.invalidTrainingData(
                reason: "label \(labels[bad]) of example \(bad) is outside 0..<\(classCount)")
        }
        let present = Set(labels).count
        guard present >= 2 else {
            throw SetFitError.invalidTrainingData(
                reason: "the labels hold \(present) class; a classifier needs at least 2")
        }
        return TrainingData(
            x: embeddings.flatMap { $0.map(Double.init) }, labels: labels, count: labels.count, dimension: dimension)
    }

    /// sklearn's loss and gradient: parameters are `rows` × (dimension + 1), each row its weights then intercept.
    static func objective(
        _ parameters: [Double], gradient: inout [Double], data: TrainingData, rows: Int, l2: Double
    ) -> Double {
        let d = data.dimension, width = d + 1
        let n = Double(data.count)
        for i in gradient.indices { gradient[i] = 0 }
        var loss = 0.0
        var logits = [Double](repeating: 0, count: rows)
        for sample in 0..<data.count {
            let xOffset = sample * d
            for row in 0..<rows {
                var z = parameters[row * width + d]
                for j in 0..<d { z += parameters[row * width + j] * data.x[xOffset + j] }
                logits[row] = z
            }
            let label = data.labels[sample]
            if rows == 1 {
                // Binary: log(1 + e^z) − y·z, with y = 1 for the second class.
                let z = logits[0], y = Double(label)
                loss += softplus(z) - y * z
                let residual = 1 / (1 + exp(-z)) - y
                for j in 0..<d { gradient[j] += residual * data.x[xOffset + j] }
                gradient[d] += residual
            } else {
                let largest = logits.max()!, labelLogit = logits[label]
                var total = 0.0
                for row in 0..<rows {
                    logits[row] = exp(logits[row] - largest)
                    total += logits[row]
                }
                loss += largest + log(total) - labelLogit
                for row in 0..<rows {
                    let residual = logits[row] / total - (row == label ? 1 : 0)
                    for j in 0..<d { gradient[row * width + j] += residual * data.x[xOffset + j] }
                    gradient[row * width + d] += residual
                }
            }
        }
        loss /= n
        for i in gradient.indices { gradient[i] /= n }
        var penalty = 0.0
        for row in 0..<rows {
            for j in 0..<d {
                let w = parameters[row * width + j]
                penalty += w * w
                gradient[row * width + j] += l2 * w
            }
        }
        return loss + 0.5 * l2 * penalty
    }

    /// log(1 + e^z) without overflow.
    static func softplus(_ z: Double) -> Double { z > 0 ? z + log1p(exp(-z)) : log1p(exp(z)) }
}
