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

/// One axis of a separable resampling: for each output index in `outputs`, the first source index, the tap count
/// and fixed-point weights. Mirrors Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc`, whose coefficients for
/// one output index do not depend on the others: computing only the outputs a crop keeps gives the same values
/// while the tables stay the crop's size (a 1×5000 image resized to 224×1,120,000 and cropped to 224² needs 224
/// rows of coefficients, not 1,120,000).
struct ResampleCoefficients {
    /// Pillow's `PRECISION_BITS`: 32 - 8 bits of result - 2 bits of headroom for negative lobes.
    static let precisionBits: Int32 = 22

    let kernelSize: Int
    /// The output indices the tables cover; entry `j` of each table is output `outputs.lowerBound + j`.
    let outputs: Range<Int>
    /// `first[i - outputs.lowerBound]`: first source index used by output `i`; `count[…]`: number of taps.
    let first: [Int]
    let count: [Int]
    /// `weights[(i - outputs.lowerBound) * kernelSize + k]`, scaled by 2^22 and rounded away from zero.
    let weights: [Int32]

    init(inSize: Int, outSize: Int, filter: ResampleFilter, outputs: Range<Int>? = nil) {
        let outputs = outputs ?? 0..<outSize
        // Pillow passes the box edges as C floats; exact for any image size below 2^24.
        let scale = Double(Float(inSize)) / Double(outSize)
        let filterScale = max(scale, 1)
        let support = filter.support * filterScale
        let kernelSize = Int(support.rounded(.up)) * 2 + 1
        var first = [Int](repeating: 0, count: outputs.count)
        var count = [Int](repeating: 0, count: outputs.count)
        var weights = [Int32](repeating: 0, count: outputs.count * kernelSize)
        var row = [Double](repeating: 0, count: kernelSize)
        let inverse = 1 / filterScale
        for (j, i) in outputs.enumerated() {
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
                weights[j * kernelSize + k] = Int32(w < 0 ? scaled - 0.5 : scaled + 0.5)
            }
            first[j] = lo
            count[j] = n
        }
        self.kernelSize = kernelSize
        self.outputs = outputs
        self.first = first
        self.count = count
        self.weights = weights
    }

    /// The source indices read by `range` of the outputs (at least one index).
    func span(of range: Range<Int>) -> Range<Int> {
        let base = outputs.lowerBound
        let lo = first[range.lowerBound - base]
        let hi = range.map { first[$0 - base] + count[$0 - base] }.max() ?? lo
        return lo..<max(hi, lo + 1)
    }
}
