/// One training pair of stage 1: two example indices and the target cosine (1 same class, 0 different).
public struct ContrastivePair: Sendable, Equatable {
    public let first: Int
    public let second: Int
    public let label: Float

    public init(first: Int, second: Int, label: Float) {
        self.first = first
        self.second = second
        self.label = label
    }
}

/// SetFit's pair generation (`setfit.sampler.ContrastiveDataset`, single-label): every pair (i, j) with i ≤ j of
/// the examples, visited in the order of numpy's `RandomState(42).permutation` (SetFit fixes that seed), split
/// into positives (same label, including an example with itself) and negatives; then, cycling through each list,
/// `count` of each, interleaved positive, negative, positive, … `count` is `numIterations × examples` when
/// `numIterations` is given, else the larger list's size (SetFit's default "oversampling").
public enum PairSampler {
    /// The pairs for `labels` (one class index per example). Throws `SetFitError.invalidTrainingData` when fewer
    /// than two classes occur or a class has a single example (no positive pair other than itself).
    public static func pairs(labels: [Int], numIterations: Int? = nil) throws -> [ContrastivePair] {
        let classes = Set(labels)
        guard classes.count >= 2 else {
            throw SetFitError.invalidTrainingData(
                reason: "the examples hold \(classes.count) class; SetFit needs at least 2")
        }
        var counts: [Int: Int] = [:]
        for label in labels { counts[label, default: 0] += 1 }
        if let single = counts.filter({ $0.value == 1 }).keys.sorted().first {
            throw SetFitError.invalidTrainingData(
                reason: "class \(single) has a single example, so it has no positive pair; give it at least 2")
        }
        if let iterations = numIterations, iterations < 1 {
            throw SetFitError.invalidTrainingData(reason: "num_iterations must be at least 1, not \(iterations)")
        }
        let n = labels.count
        var upperTriangle: [(Int, Int)] = []
        upperTriangle.reserveCapacity(n * (n + 1) / 2)
        for i in 0..<n { for j in i..<n { upperTriangle.append((i, j)) } }
        var random = NumpyRandomState(seed: 42)
        var positives: [ContrastivePair] = [], negatives: [ContrastivePair] = []
        for index in random.permutation(upperTriangle.count) {
            let (i, j) = upperTriangle[index]
            if labels[i] == labels[j] {
                positives.append(ContrastivePair(first: i, second: j, label: 1))
            } else {
                negatives.append(ContrastivePair(first: i, second: j, label: 0))
            }
        }
        let count = numIterations.map { $0 * n } ?? max(positives.count, negatives.count)
        var result: [ContrastivePair] = []
        result.reserveCapacity(2 * count)
        for k in 0..<count {
            result.append(positives[k % positives.count])
            result.append(negatives[k % negatives.count])
        }
        return result
    }
}
