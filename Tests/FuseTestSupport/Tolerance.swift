import FuseCore

/// The comparisons parity tests make against reference outputs. Each returns the worst difference, and ∞ when the
/// two cannot be compared (different lengths or shapes) or a difference is NaN, so a test that checks
/// `≤ tolerance` fails on a shape bug or a NaN instead of passing.

/// The largest |a[i] − b[i]|.
public func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    var worst: Float = 0
    for (x, y) in zip(a, b) {
        let difference = abs(x - y)
        if difference.isNaN { return .infinity }
        worst = max(worst, difference)
    }
    return worst
}

/// The largest |a − b| over rows (∞ when the row counts or a row's lengths differ).
public func maxAbsDifference(_ a: [[Float]], _ b: [[Float]]) -> Float {
    guard a.count == b.count else { return .infinity }
    return zip(a, b).reduce(0) { max($0, maxAbsDifference($1.0, $1.1)) }
}

/// The largest |a − b| of two tensors of one shape.
public func maxAbsDifference(_ a: Tensor, _ b: Tensor) -> Float {
    guard a.shape == b.shape else { return .infinity }
    return maxAbsDifference(a.scalars, b.scalars)
}

/// The largest |a − b| / (1 + |b|): absolute near zero, relative for large values.
public func maxMixedDifference(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    var worst: Float = 0
    for (x, y) in zip(a, b) {
        let difference = abs(x - y) / (1 + abs(y))
        if difference.isNaN { return .infinity }
        worst = max(worst, difference)
    }
    return worst
}
