import FuseCore

/// A Float64 model of Fuse's int8 linear arithmetic, shared by the tests of the int8 layers: each input row quantized
/// to u8 with its own step and zero point (`fuse_int8_quantize_rows`), each weight row to ±`weightLevels` with its own
/// scale (ties to even, as both kernels round), the integer products summed exactly and dequantized.
enum Int8LinearModel {
    /// Weight levels: 127 with VNNI, 63 without (oneDNN's 16-bit pair sums would saturate).
    static var weightLevels: Double { ComputeCapabilities.current.hasVNNI ? 127 : 63 }

    /// `row`'s u8 codes, step and zero point (the range always holds 0; ties to even, as the kernel rounds).
    static func activations(_ row: [Double]) -> (codes: [Double], step: Double, zero: Double) {
        let low = min(row.min()!, 0), high = max(row.max()!, 0)
        let step = high > low ? Double(Float(high - low) / 255) : 1
        let zero = max(0, min(255, Double((Float(-low) / Float(step)).rounded(.toNearestOrEven))))
        let codes = row.map {
            max(0, min(255, (Double(Float($0) * (1 / Float(step))).rounded(.toNearestOrEven)) + zero))
        }
        return (codes, step, zero)
    }

    /// The dequantized int8 product of a quantized input row and one weight row (`line`, the fp32 weights), and the
    /// tolerance of the kernel's float32 dequantization of it.
    static func product(
        _ input: (codes: [Double], step: Double, zero: Double), weights line: [Double]
    ) -> (value: Double, tolerance: Double) {
        let levels = weightLevels
        let largest = line.map(abs).max()!
        let scale = largest > 0 ? Double(Float(largest) / Float(levels)) : 1
        var sum = 0.0
        for k in line.indices {
            sum +=
                (input.codes[k] - input.zero)
                * max(-levels, min(levels, (Double(Float(line[k]) / Float(scale))).rounded(.toNearestOrEven)))
        }
        let tolerance = 1e-5 * max(input.step * scale * Double(line.count) * 255 * levels / 100, 1)
        return (input.step * scale * sum, tolerance)
    }

    /// A whole layer `[outputs, inputs]` (`w`, `b` row-major) on `rows` input rows: per output, the Float64 value and
    /// its tolerance. `outliers` read as 0 in the quantized input and weights and are added exactly (fp32 inputs and
    /// weights); `smoothing` (nil: none) multiplies each input channel by 1 / s (float32, as the kernel reads it) and
    /// each weight column by s before quantization.
    static func layer(
        rows: Int, inputs: Int, outputs: Int, weights w: [Float], bias b: [Float], input: [Float], outliers: [Int],
        smoothing s: [Float]? = nil
    ) -> [(Double, Double)] {
        let outlierSet = Set(outliers)
        var result: [(Double, Double)] = []
        for r in 0..<rows {
            let row = (0..<inputs).map { c -> Double in
                let x = input[r * inputs + c]
                return outlierSet.contains(c) ? 0 : Double(s.map { x * (1 / $0[c]) } ?? x)
            }
            let quantized = activations(row)
            for n in 0..<outputs {
                let line = (0..<inputs).map { c -> Double in
                    let weight = w[n * inputs + c]
                    return outlierSet.contains(c) ? 0 : Double(s.map { weight * $0[c] } ?? weight)
                }
                let (value, tolerance) = product(quantized, weights: line)
                var exact = 0.0, magnitude = 0.0
                for channel in outliers {
                    let term = Double(input[r * inputs + channel]) * Double(w[n * inputs + channel])
                    exact += term
                    magnitude += abs(term)
                }
                result.append((value + Double(b[n]) + exact, tolerance + 1e-5 * magnitude))
            }
        }
        return result
    }
}
