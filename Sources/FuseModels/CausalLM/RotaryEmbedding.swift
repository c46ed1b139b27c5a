import Foundation
import FuseCore

/// Rotary position embedding as Hugging Face's Llama applies it (`rotate_half`: the first and second half of each
/// head's dimensions form the rotated pairs), with the inverse frequencies computed in float32 as transformers does
/// and stretched by the configured ``RopeScaling``.
struct RotaryEmbedding: Sendable {
    let headDim: Int
    let inverseFrequencies: [Float]

    init(headDim: Int, theta: Float, scaling: RopeScaling) {
        self.headDim = headDim
        let half = headDim / 2
        var inv = (0..<half).map { i in 1 / powf(theta, Float(2 * i) / Float(headDim)) }
        switch scaling {
        case .none: break
        case .linear(let factor): inv = inv.map { $0 / factor }
        case .llama3(let factor, let low, let high, let original):
            let lowWavelength = Float(original) / low
            let highWavelength = Float(original) / high
            inv = inv.map { f in
                let wavelength = 2 * Float.pi / f
                let scaled = wavelength > lowWavelength ? f / factor : f
                guard !(wavelength < highWavelength) && !(wavelength > lowWavelength) else { return scaled }
                let smooth = (Float(original) / wavelength - low) / (high - low)
                return (1 - smooth) * scaled / factor + smooth * scaled
            }
        }
        inverseFrequencies = inv
    }

    /// Rotates `rows` rows of `heads` heads each (row stride `heads · headDim`), row `r` at position `start + r`.
    func apply(_ x: UnsafeMutablePointer<Float>, rows: Int, heads: Int, start: Int) {
        let half = headDim / 2
        let width = heads * headDim
        var cosines = [Float](repeating: 0, count: half), sines = [Float](repeating: 0, count: half)
        for r in 0..<rows {
            let position = Float(start + r)
            for i in 0..<half {
                let angle = position * inverseFrequencies[i]
                cosines[i] = cosf(angle)
                sines[i] = sinf(angle)
            }
            let row = x + r * width
            for h in 0..<heads {
                let head = row + h * headDim
                for i in 0..<half {
                    let a = head[i], b = head[i + half]
                    head[i] = a * cosines[i] - b * sines[i]
                    head[i + half] = b * cosines[i] + a * sines[i]
                }
            }
        }
    }
}
