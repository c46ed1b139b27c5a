import Foundation

/// How far reduced-precision embeddings are from the fp32 ones: cosine per item (mean, worst) and top-1 retrieval
/// agreement (each item as a query against all others: is its nearest neighbour the same under both?).
struct PrecisionAccuracy {
    let cosines: [Float]
    let retrievalAgreement: Double
    /// Changed nearest neighbours whose two candidates were ≥ 0.01 apart in fp32 (not near-ties).
    let clearFlips: Int

    init(reference: [[Float]], candidate: [[Float]]) {
        func cosine(_ a: [Float], _ b: [Float]) -> Float {
            var dot: Float = 0, na: Float = 0, nb: Float = 0
            for i in a.indices { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i] }
            return dot / max((na * nb).squareRoot(), .leastNormalMagnitude)
        }
        cosines = zip(reference, candidate).map(cosine)
        func nearest(_ vectors: [[Float]], _ query: Int) -> Int {
            nearestAndScore(vectors, query).0
        }
        func nearestAndScore(_ vectors: [[Float]], _ query: Int) -> (Int, Float) {
            var best = -1, score = -Float.infinity
            for other in vectors.indices where other != query {
                let value = cosine(vectors[query], vectors[other])
                if value > score { (best, score) = (other, value) }
            }
            return (best, score)
        }
        let count = reference.count
        var agreeing = 0, clear = 0
        for query in 0..<count {
            let (exact, exactScore) = nearestAndScore(reference, query)
            let other = nearest(candidate, query)
            if exact == other {
                agreeing += 1
            } else if exactScore - cosine(reference[query], reference[other]) >= 0.01 {
                clear += 1
            }
        }
        retrievalAgreement = count > 1 ? Double(agreeing) / Double(count) : 1
        clearFlips = clear
    }

    func report(label: String) -> String {
        let mean = cosines.reduce(0, +) / Float(max(cosines.count, 1))
        return String(
            format: "%@: cosine to fp32 mean %.5f, worst %.5f; top-1 retrieval unchanged for %.1f%% "
                + "(changes at fp32 gaps ≥ 0.01: %d)", label, mean, cosines.min() ?? 1, 100 * retrievalAgreement,
            clearFlips)
    }
}
