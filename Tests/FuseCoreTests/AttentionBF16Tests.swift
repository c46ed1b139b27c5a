import Foundation
import FuseTestSupport
import Testing
@testable import FuseCore

/// `Kernels.scaledDotProductAttention(…, bf16: true)` — the rows kernel with bf16 operands — against attention
/// computed here in Float64 from the same bf16-rounded operands (queries, keys, values, and the unnormalised
/// probabilities e^(s − max) before they multiply the values; the softmax sum unrounded), on the rows kernel's shapes
/// of the tiling suite: ViT's 197 keys, odd key counts (an odd last key paired with zeros), head sizes 16–128 (48 and
/// 80: value blocks of 3 and 1 vectors), grouped-query heads, padding, an item whose keys are all padding, one query.
/// The kernel must sit within 2e-4 · max |v| of that model, and at least 4× closer to it than to fp32 attention (so
/// it really rounds). On a CPU without AVX512-BF16 the request must give the fp32 kernel's outputs exactly.
@Suite struct AttentionBF16Tests {
    typealias Case = FusedAttentionTilingTests.Case

    /// The tiling suite's shapes that the rows kernel takes (no causal or band mask, head size a multiple of 16),
    /// and a batch of sentence-length items.
    static let cases: [Case] =
        FusedAttentionTilingTests.cases.filter { !$0.causal && $0.band == nil && $0.headDim % 16 == 0 } + [
            Case(
                label: "17 sentence tokens, d 32", batch: 3, heads: 12, kvHeads: 12, queries: 17, keys: 17, headDim: 32)
        ]

    /// bfloat16 rounding to nearest, ties to even (as the conversion instructions round).
    static func bf16(_ value: Double) -> Double {
        let raw = Float(value).bitPattern
        return Double(Float(bitPattern: ((raw &+ 0x7fff &+ ((raw >> 16) & 1)) >> 16) << 16))
    }

    @Test(arguments: cases)
    func bf16MatchesRoundedReference(_ c: Case) {
        let (q, k, v, mask) = FusedAttentionTilingTests.operands(c, seed: UInt64(c.keys * 17 + c.headDim * 3 + c.heads))
        let run = { (bf16: Bool) in FusedAttentionTilingTests.run(c, q: q, k: k, v: v, mask: mask, bf16: bf16) }
        let got = run(true)
        guard Kernels.attentionBF16Available else {
            #expect(got == run(false), "\(c.label): fp32 fallback")
            return
        }
        let largest = Double(v.map { abs($0) }.max()!)
        let rounded = FusedAttentionTilingTests.reference(c, q: q, k: k, v: v, mask: mask, round: Self.bf16)
        let exact = FusedAttentionTilingTests.reference(c, q: q, k: k, v: v, mask: mask)
        let fromRounded = zip(got, rounded).map { abs(Double($0) - $1) }.max()!
        let fromExact = zip(got, exact).map { abs(Double($0) - $1) }.max()!
        #expect(fromRounded <= 2e-4 * largest, "\(c.label): \(fromRounded) from the bf16 model")
        #expect(got.allSatisfy { $0.isFinite })
        #expect(fromRounded * 4 <= fromExact, "\(c.label): \(fromRounded) from bf16, \(fromExact) from fp32")
    }

    /// Capping the vector level below AVX-512 turns the bf16 path off: the request then runs the fp32 kernel.
    @Test func narrowerBuildsRunFP32() {
        let c = Self.cases[0]
        let (q, k, v, mask) = FusedAttentionTilingTests.operands(c, seed: 5)
        for level in 0..<Kernels.vectorLevel {
            Kernels.withVectorLevelCap(level) {
                #expect(!Kernels.attentionBF16Available)
                #expect(
                    FusedAttentionTilingTests.run(c, q: q, k: k, v: v, mask: mask, bf16: true)
                        == FusedAttentionTilingTests.run(c, q: q, k: k, v: v, mask: mask, bf16: false))
            }
        }
    }
}
