import FuseTestSupport
import Testing
@testable import FuseCore

/// `Kernels.gemm` / `batchedGemm` against numpy's float64 product of the same float32 inputs
/// (tools/reference/core_kernels.py). Tolerance: 1e-5 relative (|Δ| / (1 + |ref|)).
@Suite struct GEMMKernelTests {
    struct GEMMCase: Decodable, Sendable, CustomTestStringConvertible {
        let transposeA, transposeB: Bool
        let m, n, k, lda, ldb, ldc: Int
        let alpha, beta: Float
        let a, b, c, expected: [Float]
        var testDescription: String {
            "A\(transposeA ? "ᵀ" : "")·B\(transposeB ? "ᵀ" : "") \(m)×\(n)×\(k) ld+\(lda - (transposeA ? m : k))"
        }
    }

    struct BatchedCase: Decodable, Sendable, CustomTestStringConvertible {
        let batch, m, n, k, strideA, strideB, strideC: Int
        let a, b, expected: [Float]
        var testDescription: String { "\(batch)× \(m)×\(n)×\(k) strideB \(strideB)" }
    }

    @Test(arguments: try Fixtures.kernelCases("gemm", as: GEMMCase.self))
    func gemmMatchesNumpy(_ fixture: GEMMCase) {
        var c = fixture.c
        c.withUnsafeMutableBufferPointer { c in
            Kernels.gemm(
                transposeA: fixture.transposeA, transposeB: fixture.transposeB, m: fixture.m, n: fixture.n,
                k: fixture.k, alpha: fixture.alpha, a: fixture.a, lda: fixture.lda, b: fixture.b, ldb: fixture.ldb,
                beta: fixture.beta, c: c.baseAddress!, ldc: fixture.ldc)
        }
        #expect(maxMixedDifference(c, fixture.expected) < 1e-5)
        // Columns beyond n (when ldc > n) belong to someone else and must be left untouched.
        for row in 0..<fixture.m {
            for column in fixture.n..<fixture.ldc {
                #expect(c[row * fixture.ldc + column] == fixture.c[row * fixture.ldc + column])
            }
        }
    }

    @Test(arguments: try Fixtures.kernelCases("batched_gemm", as: BatchedCase.self))
    func batchedGemmMatchesNumpy(_ fixture: BatchedCase) {
        var c = [Float](repeating: .nan, count: fixture.batch * fixture.m * fixture.n)
        c.withUnsafeMutableBufferPointer { c in
            Kernels.batchedGemm(
                transposeA: false, transposeB: true, m: fixture.m, n: fixture.n, k: fixture.k,
                a: fixture.a, lda: fixture.k, strideA: fixture.strideA, b: fixture.b, ldb: fixture.k,
                strideB: fixture.strideB, c: c.baseAddress!, ldc: fixture.n, strideC: fixture.strideC,
                batchCount: fixture.batch)
        }
        #expect(maxMixedDifference(c, fixture.expected) < 1e-5)
    }

    @Test func tensorMatmulAndLinearAgreeWithGemm() throws {
        let x = try Tensor(shape: [2, 1, 3], values: [1, 2, 3, 4, 5, 6])
        let w = try Tensor(shape: [2, 3], values: [1, 0, -1, 0.5, 0.5, 0.5])  // [out, in]
        let bias = try Tensor(shape: [2], values: [10, 20])
        let y = try Linear(weight: w, bias: bias)(x)
        #expect(y.shape == [2, 1, 2])
        let expected: [Float] = [8, 23, 8, 27.5]
        #expect(y.scalars == expected)
        let product = try x.matmul(w, transposeOther: true)
        let expectedProduct: [Float] = [-2, 3, -2, 7.5]
        #expect(product.scalars == expectedProduct)
        #expect(throws: FuseError.self) { try x.matmul(w) }
        #expect(throws: FuseError.self) { try Linear(weight: w, bias: try Tensor(shape: [3], values: [0, 0, 0])) }
    }
}

/// `Kernels.gatherRows` (embedding lookup): exact copies, and a named error for an id outside the table.
@Suite struct GatherRowsKernelTests {
    @Test func copiesTheRequestedRows() throws {
        let table: [Float] = [0, 1, 10, 11, 20, 21]  // 3 rows × 2
        let ids: [Int32] = [2, 0, 2]
        var output = [Float](repeating: .nan, count: 6)
        try ids.withUnsafeBufferPointer { ids in
            try output.withUnsafeMutableBufferPointer {
                try Kernels.gatherRows(table: table, tableRows: 3, columns: 2, ids: ids, output: $0.baseAddress!)
            }
        }
        #expect(output == [20, 21, 0, 1, 20, 21])
    }

    @Test(arguments: [Int32(3), -1])
    func rejectsIdsOutsideTheTable(_ bad: Int32) throws {
        let table: [Float] = [0, 1, 10, 11, 20, 21]
        var output = [Float](repeating: 0, count: 4)
        #expect(
            throws: FuseError.invalidArgument(
                what: "embedding lookup", reason: "id \(bad) at position 1 is outside the table's 3 rows")
        ) {
            try [Int32(0), bad].withUnsafeBufferPointer { ids in
                try output.withUnsafeMutableBufferPointer {
                    try Kernels.gatherRows(table: table, tableRows: 3, columns: 2, ids: ids, output: $0.baseAddress!)
                }
            }
        }
        #expect(output == [0, 0, 0, 0])
    }
}

/// `Kernels.withSingleThreadedBLAS`: OpenBLAS runs one thread inside a section (nested or not) whatever
/// `blasThreads` says. (Outside a section the count depends on other tests' sections, so it is not checked.)
@Suite struct BLASThreadingTests {
    @Test func sectionsRunBLASSingleThreaded() {
        Kernels.withSingleThreadedBLAS {
            #expect(openblasThreads() == 1)
            Kernels.withSingleThreadedBLAS { #expect(openblasThreads() == 1) }
            #expect(openblasThreads() == 1)
        }
        #expect(Kernels.blasThreads >= 1)
    }
}

import CBLAS
private func openblasThreads() -> Int { Int(openblas_get_num_threads()) }
