import Foundation
import FuseTestSupport
import Testing
@testable import FuseCore

/// `Kernels.scaledDotProductAttention` against `torch.nn.functional.scaled_dot_product_attention` with a boolean mask
/// (tools/reference/core_kernels.py): plain, key padding, causal, grouped-query (GQA), KV-cache offset (fewer
/// queries than keys), padding + offset, custom scale. Tolerance: 1e-4 absolute (outputs are O(1) averages).
@Suite struct AttentionKernelTests {
    struct AttentionCase: Decodable, Sendable, CustomTestStringConvertible {
        let label: String
        let batch, heads, keyValueHeads, queryLength, keyLength, headDim: Int
        let causal: Bool
        let scale: Float?
        let keyPaddingMask: [Int32]?
        let query, key, value, expected: [Float]
        var testDescription: String { label }
    }

    @Test(arguments: try Fixtures.kernelCases("attention", as: AttentionCase.self))
    func attentionMatchesTorch(_ fixture: AttentionCase) {
        var output = [Float](repeating: .nan, count: fixture.expected.count)
        let mask = fixture.keyPaddingMask ?? []
        output.withUnsafeMutableBufferPointer { output in
            mask.withUnsafeBufferPointer { mask in
                Kernels.scaledDotProductAttention(
                    query: fixture.query, key: fixture.key, value: fixture.value, output: output.baseAddress!,
                    batch: fixture.batch, heads: fixture.heads, queryLength: fixture.queryLength,
                    keyLength: fixture.keyLength, headDim: fixture.headDim,
                    keyPaddingMask: fixture.keyPaddingMask == nil ? nil : mask.baseAddress,
                    causal: fixture.causal, scale: fixture.scale, keyValueHeads: fixture.keyValueHeads)
            }
        }
        #expect(maxAbsDifference(output, fixture.expected) < 1e-4)
    }

    @Test func fullyMaskedQueryGivesZerosNotNaN() {
        // Causal with fewer keys than queries: query 0 sees no key (0 ≤ 0 + (1 − 2) is false).
        let query: [Float] = [1, 0, 0, 1], key: [Float] = [1, 1], value: [Float] = [3, 4]
        var output = [Float](repeating: .nan, count: 4)
        output.withUnsafeMutableBufferPointer {
            Kernels.scaledDotProductAttention(
                query: query, key: key, value: value, output: $0.baseAddress!, batch: 1, heads: 1,
                queryLength: 2, keyLength: 1, headDim: 2, causal: true)
        }
        #expect(output == [0, 0, 3, 4])
    }
}

/// Both fused kernels' tiling against attention computed here in Float64 the textbook way (all scores, masked,
/// softmax, weighted sum), on shapes that cross their blocks: more than 64 keys (several key blocks, one partial), query
/// counts that leave a partial block of 4 (flash) or 6 (rows), key counts off the rows kernel's 16-key vectors (1, 5,
/// 197, 257), head sizes off the 32-float value chunks and off 4 × 16 (16, 48, 80, 128), windows, grouped-query heads,
/// padding, more queries than keys. Every case runs under `.flash` and `.rows` (which falls back to flash where it does
/// not apply: causal, band, head sizes not a multiple of 16), and on every narrower build of the kernel the CPU can run
/// (AVX2, baseline x86-64), which must agree. Tolerance 1e-5 absolute (outputs are O(1) averages).
@Suite struct FusedAttentionTilingTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let label: String
        let batch, heads, kvHeads, queries, keys, headDim: Int
        var causal = false
        var window: Int? = nil
        var band: Int? = nil
        var padded = 0  // padding keys at the end of the last batch item
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(
            label: "131 keys, d 40, padding", batch: 2, heads: 2, kvHeads: 2, queries: 131, keys: 131, headDim: 40,
            padded: 70),
        Case(
            label: "causal 70, d 80, GQA", batch: 1, heads: 4, kvHeads: 2, queries: 70, keys: 70, headDim: 80,
            causal: true),
        Case(
            label: "window 5 over 150 keys, d 7", batch: 1, heads: 2, kvHeads: 1, queries: 9, keys: 150, headDim: 7,
            causal: true, window: 5),
        Case(
            label: "window 70, d 128", batch: 2, heads: 1, kvHeads: 1, queries: 133, keys: 133, headDim: 128,
            causal: true, window: 70),
        Case(
            label: "more queries than keys, causal", batch: 1, heads: 1, kvHeads: 1, queries: 67, keys: 3, headDim: 33,
            causal: true),
        Case(label: "one key, d 1", batch: 3, heads: 2, kvHeads: 2, queries: 1, keys: 1, headDim: 1),
        Case(label: "every key padded", batch: 1, heads: 1, kvHeads: 1, queries: 5, keys: 66, headDim: 16, padded: 66),
        Case(
            label: "band 3 over 140 keys, padding", batch: 2, heads: 2, kvHeads: 2, queries: 140, keys: 140,
            headDim: 24,
            band: 3, padded: 9),
        Case(label: "band 64, d 64", batch: 1, heads: 2, kvHeads: 2, queries: 131, keys: 131, headDim: 64, band: 64),
        // Shapes for the rows kernel (no causal or band mask, head size a multiple of 16).
        Case(label: "ViT 197 keys, d 64", batch: 2, heads: 2, kvHeads: 2, queries: 197, keys: 197, headDim: 64),
        Case(
            label: "257 keys, d 128, padding", batch: 2, heads: 1, kvHeads: 1, queries: 257, keys: 257, headDim: 128,
            padded: 100),
        Case(label: "5 keys, d 80, GQA", batch: 1, heads: 4, kvHeads: 2, queries: 7, keys: 5, headDim: 80),
        Case(label: "1 key, d 16", batch: 2, heads: 3, kvHeads: 3, queries: 3, keys: 1, headDim: 16),
        Case(
            label: "13 queries over 33 keys, d 48, padding", batch: 2, heads: 2, kvHeads: 1, queries: 13, keys: 33,
            headDim: 48, padded: 17),
        Case(label: "one query, 200 keys, d 32", batch: 1, heads: 2, kvHeads: 2, queries: 1, keys: 200, headDim: 32),
    ]

    /// Attention in Float64. `round` is applied to the queries, keys, values and the unnormalised probabilities
    /// e^(s − max) before they multiply the values (the softmax sum stays unrounded): identity for fp32, bf16 rounding
    /// to model the bf16 kernel (`AttentionBF16Tests`).
    static func reference(
        _ c: Case, q: [Float], k: [Float], v: [Float], mask: [Int32], round: (Double) -> Double = { $0 }
    ) -> [Double] {
        let scale = 1 / Double(c.headDim).squareRoot(), group = c.heads / c.kvHeads, offset = c.keys - c.queries
        var out = [Double](repeating: 0, count: c.batch * c.queries * c.heads * c.headDim)
        for b in 0..<c.batch {
            for h in 0..<c.heads {
                for i in 0..<c.queries {
                    var scores = [Double](repeating: -.infinity, count: c.keys)
                    for j in 0..<c.keys where mask[b * c.keys + j] != 0 {
                        if c.causal && j > i + offset { continue }
                        if let w = c.window, c.causal, j <= i + offset - w { continue }
                        if let b = c.band, !c.causal, abs(i - j) > b { continue }
                        var dot = 0.0
                        for d in 0..<c.headDim {
                            dot +=
                                round(Double(q[((b * c.queries + i) * c.heads + h) * c.headDim + d]))
                                * round(Double(k[((b * c.keys + j) * c.kvHeads + h / group) * c.headDim + d]))
                        }
                        scores[j] = dot * scale
                    }
                    let top = scores.max()!
                    guard top > -.infinity else { continue }
                    let weights = scores.map { exp($0 - top) }
                    let total = weights.reduce(0, +)
                    for d in 0..<c.headDim {
                        var sum = 0.0
                        for j in 0..<c.keys where weights[j] > 0 {
                            let value = Double(v[((b * c.keys + j) * c.kvHeads + h / group) * c.headDim + d])
                            sum += round(weights[j]) * round(value)
                        }
                        out[((b * c.queries + i) * c.heads + h) * c.headDim + d] = sum / total
                    }
                }
            }
        }
        return out
    }

    /// Random operands in ±2 and a mask with the last batch item's last `padded` keys padding.
    static func operands(_ c: Case, seed: UInt64) -> (q: [Float], k: [Float], v: [Float], mask: [Int32]) {
        var generator = SplitMix64(seed: seed)
        func random(_ count: Int) -> [Float] { (0..<count).map { _ in generator.nextSymmetric() * 2 } }
        let q = random(c.batch * c.queries * c.heads * c.headDim)
        let k = random(c.batch * c.keys * c.kvHeads * c.headDim)
        let v = random(c.batch * c.keys * c.kvHeads * c.headDim)
        var mask = [Int32](repeating: 1, count: c.batch * c.keys)
        for j in (c.keys - c.padded)..<c.keys { mask[(c.batch - 1) * c.keys + j] = 0 }
        return (q, k, v, mask)
    }

    static func run(
        _ c: Case, q: [Float], k: [Float], v: [Float], mask: [Int32], kernel: AttentionKernel = .automatic,
        bf16: Bool = false
    ) -> [Float] {
        var output = [Float](repeating: .nan, count: c.batch * c.queries * c.heads * c.headDim)
        output.withUnsafeMutableBufferPointer { o in
            Kernels.scaledDotProductAttention(
                query: q, key: k, value: v, output: o.baseAddress!, batch: c.batch, heads: c.heads,
                queryLength: c.queries, keyLength: c.keys, headDim: c.headDim, keyPaddingMask: mask, causal: c.causal,
                keyValueHeads: c.kvHeads, window: c.window, band: c.band, kernel: kernel, bf16: bf16)
        }
        return output
    }

    @Test(arguments: cases, [AttentionKernel.flash, .rows])
    func fusedKernelMatchesTextbookAttention(_ c: Case, kernel: AttentionKernel) {
        let (q, k, v, mask) = Self.operands(c, seed: UInt64(c.keys * 31 + c.headDim))
        let expected = Self.reference(c, q: q, k: k, v: v, mask: mask)
        let widest = Kernels.vectorLevel
        let got = Self.run(c, q: q, k: k, v: v, mask: mask, kernel: kernel)
        let worst = zip(got, expected).map { abs(Double($0) - $1) }.max()!
        #expect(worst <= 1e-5, "\(c.label), \(kernel): max abs difference \(worst)")
        for level in stride(from: widest - 1, through: 0, by: -1) {
            let narrower = Kernels.withVectorLevelCap(level) {
                Self.run(c, q: q, k: k, v: v, mask: mask, kernel: kernel)
            }
            let apart = zip(narrower, got).map { abs($0 - $1) }.max()!
            #expect(apart <= 1e-5, "\(c.label), \(kernel): build \(level) differs from build \(widest) by \(apart)")
        }
    }

    /// The rows kernel is what encoders get (no causal or band mask, head sizes 32/64/80/128), and only there.
    @Test func automaticChoosesRowsKernelForEncoderShapes() {
        for headDim in [16, 32, 64, 80, 128] { #expect(Kernels.attentionKernel(headDim: headDim) == .rows) }
        #expect(Kernels.attentionKernel(headDim: 40) == .flash)
        #expect(Kernels.attentionKernel(headDim: 64, causal: true) == .flash)
        #expect(Kernels.attentionKernel(headDim: 64, band: 64) == .flash)
    }
}
