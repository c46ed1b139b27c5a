/// sentence-transformers' `CosineSimilarityLoss`: mean over pairs of (cos(u, v) − label)², with
/// `torch.cosine_similarity`'s guard (the product of norms at least 1e-8), and its gradient.
public enum CosineSimilarityLoss {
    /// The loss and ∂loss/∂u, ∂loss/∂v for pairs (u[i], v[i]) with labels in [0, 1].
    public static func evaluate(
        first u: [[Float]], second v: [[Float]], labels: [Float]
    ) -> (loss: Float, dFirst: [[Float]], dSecond: [[Float]]) {
        let count = Float(labels.count)
        var loss: Float = 0
        var dFirst: [[Float]] = [], dSecond: [[Float]] = []
        for (i, label) in labels.enumerated() {
            let a = u[i], b = v[i]
            var dot: Float = 0, aa: Float = 0, bb: Float = 0
            for j in a.indices {
                dot += a[j] * b[j]
                aa += a[j] * a[j]
                bb += b[j] * b[j]
            }
            let denominator = max(aa * bb, 1e-16).squareRoot()
            let cosine = dot / denominator
            loss += (cosine - label) * (cosine - label) / count
            let dCosine = 2 * (cosine - label) / count
            // ∂cos/∂a = b/(|a||b|) − cos·a/|a|² (and symmetrically), when the guard is not active.
            dFirst.append(a.indices.map { dCosine * (b[$0] / denominator - cosine * a[$0] / max(aa, 1e-16)) })
            dSecond.append(b.indices.map { dCosine * (a[$0] / denominator - cosine * b[$0] / max(bb, 1e-16)) })
        }
        return (loss, dFirst, dSecond)
    }
}
