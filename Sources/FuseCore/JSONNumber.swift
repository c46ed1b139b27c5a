import Foundation

/// Checked reads of the numbers Foundation's JSON parsers hand back as `NSNumber`, shared by every loader of
/// `config.json`, safetensors headers and checkpoint indexes.
public enum JSONNumber {
    /// 2⁵³: every whole number up to this magnitude is exact in a JSON double, so no reader disagrees on it.
    public static let largestExactInteger: Int64 = 9_007_199_254_740_992

    /// The boxed type Foundation uses for JSON `true`/`false`.
    private static let booleanType = type(of: NSNumber(value: true))

    /// Whether `value` is JSON `true`/`false`. `is Bool` is no test: it also holds for the numbers 0 and 1.
    public static func isBoolean(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return type(of: number) == booleanType
    }

    /// `value` as an `Int` when it is a JSON number (not a boolean) holding a whole number of magnitude at most
    /// 2⁵³; nil for fractions, booleans, non-numbers and larger magnitudes. `NSNumber.intValue` would turn 8.9e24
    /// into an arbitrary `Int`, and going through `doubleValue` alone would round 2⁵³ + 1 to 2⁵³.
    public static func exactInteger(_ value: Any) -> Int? {
        guard let number = value as? NSNumber, !isBoolean(number) else { return nil }
        let double = number.doubleValue
        guard double.isFinite, double == double.rounded(), abs(double) <= Double(largestExactInteger) else {
            return nil
        }
        // Within ±2⁵³ as a double, so int64Value cannot overflow; it is the exact value Foundation parsed.
        let exact = number.int64Value
        guard exact >= -largestExactInteger, exact <= largestExactInteger else { return nil }
        return Int(exact)
    }
}

extension Tensor {
    /// The number of elements a tensor of `shape` holds, or nil when the product overflows `Int` or a dimension is
    /// negative (a config or a file header can state sizes no tensor has).
    public static func elementCount(ofShape shape: [Int]) -> Int? {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            count = product
        }
        return count
    }
}
