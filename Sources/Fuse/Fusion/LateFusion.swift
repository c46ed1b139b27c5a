import Foundation
import FuseCore

/// How late fusion combines per-input embeddings (each already a unit vector in the shared space).
///
/// Every strategy returns a unit vector:
/// - `mean`: normalize(Σᵢ eᵢ)
/// - `weighted(w)`: normalize(Σᵢ wᵢ eᵢ), with every wᵢ ≥ 0 and Σ wᵢ > 0
/// - `max`: normalize(maxᵢ eᵢ), element-wise
/// - `concat(p)`: normalize([e₁; …; eₙ]), or normalize(W [e₁; …; eₙ] + b) with a projection `p`. The only
///   strategy that takes embeddings of different models (each keeps its own coordinates, side by side), of any
///   widths.
/// - `attention(τ)`: aᵢ = mean_{j≠i} cos(eᵢ, eⱼ); w = softmax(a / τ); normalize(Σᵢ wᵢ eᵢ).
///   Inputs that agree with the others get more weight; τ (default 0.1) sets how sharply.
public enum LateFusionStrategy: Sendable {
    case mean
    case weighted([Float])
    case max
    case concat(FusionProjection?)
    case attention(temperature: Float)

    /// The strategy's name as the CLI spells it.
    public var name: String {
        switch self {
        case .mean: "mean"
        case .weighted: "weighted"
        case .max: "max"
        case .concat: "concat"
        case .attention: "attention"
        }
    }
}

/// A linear map applied after concatenation: `y = W x + b`, `W` of shape `[out, in]`.
public struct FusionProjection: Sendable {
    public let weight: Tensor
    public let bias: [Float]?

    public init(weight: Tensor, bias: [Float]? = nil) throws {
        guard weight.rank == 2 else {
            throw FuseError.invalidArgument(
                what: "fusion projection",
                reason: "weight must be [out, in], got shape \(weight.shape)")
        }
        if let bias, bias.count != weight.shape[0] {
            throw FuseError.shapeMismatch(
                what: "fusion projection bias", expected: [weight.shape[0]],
                actual: [bias.count])
        }
        self.weight = weight
        self.bias = bias
    }

    public var inputDimension: Int { weight.shape[1] }
    public var outputDimension: Int { weight.shape[0] }
}

/// The outcome of fusing several embeddings: the unit vector, the inputs it used and each input's weight
/// (for `max` and `concat`, which have no per-input weights, every input's weight is 1/n).
public struct FusionResult: Sendable {
    public let embedding: Embedding
    public let inputs: [String]
    public let weights: [Float]
    public let strategy: String
}

/// Errors of fusion that name what is wrong.
public enum FusionError: Error, Equatable, Sendable, CustomStringConvertible {
    case noInputs
    case dimensionMismatch(inputs: [String], dimensions: [Int])
    case weightCount(expected: Int, got: Int)
    case invalidWeights(String)
    case projectionMismatch(expectedInput: Int, got: Int)
    case differentModels([String])

    public var description: String {
        switch self {
        case .noInputs:
            return "fusion needs at least one input"
        case .dimensionMismatch(let inputs, let dims):
            let pairs = zip(inputs, dims).map { "\($0) (\($1))" }.joined(separator: ", ")
            return "embeddings of different dimensions cannot be fused without a projection: \(pairs)"
        case .weightCount(let expected, let got):
            return "weighted fusion needs one weight per input: \(expected) inputs, \(got) weights"
        case .invalidWeights(let reason):
            return "invalid fusion weights: \(reason)"
        case .projectionMismatch(let expected, let got):
            return "the concat projection takes \(expected) inputs, the concatenated embeddings have \(got)"
        case .differentModels(let ids):
            return "embeddings from different models live in different spaces: \(ids.joined(separator: ", "))"
        }
    }
}

/// Late fusion: combines embeddings computed separately.
public enum LateFusion {
    /// Fuses `embeddings` with `strategy`. All embeddings must come from one model, except for `concat`, which
    /// puts different models' vectors side by side (the fused embedding's model id is theirs joined by `+`, in
    /// input order).
    public static func fuse(_ embeddings: [Embedding], strategy: LateFusionStrategy) throws -> FusionResult {
        guard let first = embeddings.first else { throw FusionError.noInputs }
        let models = Array(Set(embeddings.map(\.modelID))).sorted()
        let concatenating: Bool
        if case .concat = strategy { concatenating = true } else { concatenating = false }
        guard models.count == 1 || concatenating else { throw FusionError.differentModels(models) }
        var inputModels: [String] = []
        for embedding in embeddings where !inputModels.contains(embedding.modelID) {
            inputModels.append(embedding.modelID)
        }
        let names = embeddings.map { $0.sources.joined(separator: "+") }
        let dims = embeddings.map(\.dimension)
        let n = embeddings.count
        let uniform = [Float](repeating: 1 / Float(n), count: n)

        let vector: [Float]
        var weights = uniform
        switch strategy {
        case .concat(let projection):
            let joined = embeddings.flatMap(\.vector)
            if let projection {
                guard projection.inputDimension == joined.count else {
                    throw FusionError.projectionMismatch(expectedInput: projection.inputDimension, got: joined.count)
                }
                vector = project(joined, with: projection)
            } else {
                // One model's inputs of different widths are a mistake; different models' are expected.
                guard Set(dims).count == 1 || models.count > 1 else {
                    throw FusionError.dimensionMismatch(inputs: names, dimensions: dims)
                }
                vector = joined
            }
        default:
            guard Set(dims).count == 1 else { throw FusionError.dimensionMismatch(inputs: names, dimensions: dims) }
            switch strategy {
            case .mean:
                vector = weightedSum(embeddings, weights: uniform)
            case .weighted(let user):
                weights = try normalizedUserWeights(user, count: n)
                vector = weightedSum(embeddings, weights: weights)
            case .max:
                var result = first.vector
                for embedding in embeddings.dropFirst() {
                    for i in result.indices { result[i] = Swift.max(result[i], embedding.vector[i]) }
                }
                vector = result
            case .attention(let temperature):
                guard temperature > 0, temperature.isFinite else {
                    throw FusionError.invalidWeights("attention temperature must be positive, got \(temperature)")
                }
                weights = attentionWeights(embeddings, temperature: temperature)
                vector = weightedSum(embeddings, weights: weights)
            case .concat:
                preconditionFailure("handled above")
            }
        }
        let fused = Embedding(
            vector: normalized(vector), modality: Modality("fused"), modelID: inputModels.joined(separator: "+"),
            sources: embeddings.flatMap(\.sources))
        return FusionResult(embedding: fused, inputs: names, weights: weights, strategy: strategy.name)
    }

    /// Softmax over each input's mean cosine agreement with the others, divided by `temperature`.
    public static func attentionWeights(_ embeddings: [Embedding], temperature: Float) -> [Float] {
        let n = embeddings.count
        guard n > 1 else { return [1] }
        var agreement = [Float](repeating: 0, count: n)
        for i in 0..<n {
            var total: Float = 0
            // Inputs of another width cannot agree with this one: they add nothing (fuse() refuses them anyway).
            for j in 0..<n where j != i { total += (try? embeddings[i].cosineSimilarity(to: embeddings[j])) ?? 0 }
            agreement[i] = total / Float(n - 1) / temperature
        }
        let peak = agreement.max()!
        let exps = agreement.map { expf($0 - peak) }
        let sum = exps.reduce(0, +)
        return exps.map { $0 / sum }
    }

    static func normalizedUserWeights(_ user: [Float], count: Int) throws -> [Float] {
        guard user.count == count else { throw FusionError.weightCount(expected: count, got: user.count) }
        guard user.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw FusionError.invalidWeights("every weight must be a finite number ≥ 0, got \(user)")
        }
        let total = user.reduce(0, +)
        guard total > 0 else { throw FusionError.invalidWeights("weights must sum to a positive number, got \(user)") }
        return user.map { $0 / total }
    }

    static func weightedSum(_ embeddings: [Embedding], weights: [Float]) -> [Float] {
        var result = [Float](repeating: 0, count: embeddings[0].dimension)
        for (embedding, weight) in zip(embeddings, weights) {
            for i in result.indices { result[i] += weight * embedding.vector[i] }
        }
        return result
    }

    static func project(_ x: [Float], with projection: FusionProjection) -> [Float] {
        let rows = projection.outputDimension, columns = projection.inputDimension
        var y = projection.bias ?? [Float](repeating: 0, count: rows)
        projection.weight.withUnsafeBufferPointer { w in
            for r in 0..<rows {
                var acc: Float = 0
                for c in 0..<columns { acc += w[r * columns + c] * x[c] }
                y[r] += acc
            }
        }
        return y
    }

    static func normalized(_ v: [Float]) -> [Float] {
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? v.map { $0 / norm } : v
    }
}
