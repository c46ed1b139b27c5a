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
