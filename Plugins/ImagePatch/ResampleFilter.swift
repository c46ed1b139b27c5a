import Foundation

/// Pillow's resampling filters, numbered as `PIL.Image.Resampling` (and transformers' `resample` field).
public enum ResampleFilter: Int, Sendable, CaseIterable {
    case lanczos = 1
    case bilinear = 2
    case bicubic = 3
    case box = 4
    case hamming = 5

    /// Half-width of the kernel at scale 1, in source pixels (Pillow's `support`).
    var support: Double {
        switch self {
        case .box: 0.5
        case .bilinear, .hamming: 1
        case .bicubic: 2
        case .lanczos: 3
        }
    }

    /// The kernel, evaluated exactly as Pillow's `Resample.c` does (in Double).
    func weight(_ t: Double) -> Double {
        switch self {
        case .box:
            return t > -0.5 && t <= 0.5 ? 1 : 0
        case .bilinear:
            let x = abs(t)
            return x < 1 ? 1 - x : 0
        case .hamming:
            let x = abs(t)
            if x == 0 { return 1 }
            if x >= 1 { return 0 }
            let px = x * Double.pi
            // Pillow writes the constants as C floats (0.54f, 0.46f), which widen to these Doubles.
            return sin(px) / px * (Double(Float(0.54)) + Double(Float(0.46)) * cos(px))
        case .bicubic:
            // Keys' cubic convolution with a = -0.5.
            let a = -0.5
            let x = abs(t)
            if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
            if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
            return 0
        case .lanczos:
            guard t >= -3, t < 3 else { return 0 }
            return Self.sinc(t) * Self.sinc(t / 3)
        }
    }

    private static func sinc(_ t: Double) -> Double {
        if t == 0 { return 1 }
        let x = t * Double.pi
        return sin(x) / x
    }

    /// The filter's name in Pillow (`"bicubic"`, …).
    public var name: String { String(describing: self) }

    /// Parses a Pillow filter name.
    public init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = match
    }
}

/// One axis of a separable resampling: for each output index, the first source index, the tap count and
/// fixed-point weights. Mirrors Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc`.
struct ResampleCoefficients {
    /// Pillow's `PRECISION_BITS`: 32 - 8 bits of result - 2 bits of headroom for negative lobes.
    static let precisionBits: Int32 = 22

    let kernelSize: Int
    /// `first[i]`: first source index used by output `i`; `count[i]`: number of taps.
    let first: [Int]
    let count: [Int]
    /// `weights[i * kernelSize + k]`, scaled by 2^22 and rounded away from zero.
    let weights: [Int32]

    init(inSize: Int, outSize: Int, filter: ResampleFilter) {
        // Pillow passes the box edges as C floats; exact for any image size below 2^24.
        let scale = Double(Float(inSize)) / Double(outSize)
        let filterScale = max(scale, 1)
        let support = filter.support * filterScale
        let kernelSize = Int(support.rounded(.up)) * 2 + 1
        var first = [Int](repeating: 0, count: outSize)
        var count = [Int](repeating: 0, count: outSize)
        var weights = [Int32](repeating: 0, count: outSize * kernelSize)
        var row = [Double](repeating: 0, count: kernelSize)
        let inverse = 1 / filterScale
        for i in 0..<outSize {
            let center = (Double(i) + 0.5) * scale
            // C's (int) cast truncates toward zero; the +0.5 makes it round for positive values.
            let lo = max(Int(center - support + 0.5), 0)
            let hi = min(Int(center + support + 0.5), inSize)
            let n = max(hi - lo, 0)
            var total = 0.0
            for k in 0..<n {
                let w = filter.weight((Double(k + lo) - center + 0.5) * inverse)
                row[k] = w
                total += w
            }
            for k in 0..<n {
                let w = total != 0 ? row[k] / total : row[k]
                let scaled = w * Double(1 << Self.precisionBits)
                weights[i * kernelSize + k] = Int32(w < 0 ? scaled - 0.5 : scaled + 0.5)
            }
            first[i] = lo
            count[i] = n
        }
        self.kernelSize = kernelSize
        self.first = first
        self.count = count
        self.weights = weights
    }

    /// The source indices read by outputs `outputs` (at least one index).
    func span(of outputs: Range<Int>) -> Range<Int> {
        let lo = first[outputs.lowerBound]
        let hi = outputs.map { first[$0] + count[$0] }.max() ?? lo
        return lo..<max(hi, lo + 1)
    }
}
