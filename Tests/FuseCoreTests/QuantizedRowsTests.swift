import FuseCore
import Testing

/// `QuantizedRows` (int8 token tables): each row against a Float64 model of symmetric per-row quantization.
@Suite struct QuantizedRowsTests {
    @Test(arguments: [(1, 1, UInt64(1)), (7, 33, 2), (65, 384, 3)])
    func rowsMatchTheFloat64Model(rows: Int, width: Int, seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        var values = (0..<rows * width).map { _ in Float(random.nextUnit() * 2 - 1) * 0.2 }
        // An outlier, a zero row, and a row of one repeated value.
        values[0] = 3.5
        if rows > 2 {
            for j in 0..<width { values[width + j] = 0 }
            for j in 0..<width { values[2 * width + j] = -0.125 }
        }
        let table = try Tensor(shape: [rows, width], values: values)
        let quantized = try QuantizedRows(quantizing: table)
        #expect(quantized.byteCount == rows * width + rows * 4)
        var line = [Float](repeating: .nan, count: width)
        for row in 0..<rows {
            let source = values[(row * width)..<((row + 1) * width)]
            let largest = source.map { Double(abs($0)) }.max() ?? 0
            let scale = Float(largest / 127)
            line.withUnsafeMutableBufferPointer { quantized.copyRow(row, into: $0.baseAddress!) }
            for (j, value) in source.enumerated() {
                let expected = scale == 0 ? 0 : scale * (value / scale).rounded(.toNearestOrEven)
                #expect(abs(line[j] - expected) <= 1e-6 * max(1, abs(expected)), "row \(row) column \(j)")
                #expect(abs(line[j] - value) <= scale / 2 + 1e-6)  // within half a step
            }
        }
    }

    /// The load-time kernels behind it (`fuse_int8_quantize_symmetric_rows`, `fuse_f32_column_peaks`) in every build
    /// this CPU runs: the same codes and scales, and rows holding NaN or an infinity quantize to zeros (scale 0),
    /// never to undefined integer conversions.
    @Test func everyBuildQuantizesTheSameAndRefusesNonFiniteRows() throws {
        var random = SplitMix64(seed: 9)
        let (rows, width) = (6, 37)
        var values = (0..<rows * width).map { _ in Float(random.nextUnit() * 2 - 1) }
        values[width + 3] = .nan
        values[2 * width + 36] = .infinity
        values[3 * width + 20] = -.infinity
        let table = try Tensor(shape: [rows, width], values: values)
        let expectedPeaks = (0..<width).map { c in (0..<rows).map { abs(values[$0 * width + c]) }.max()! }
        var builds: [QuantizedRows] = []
        for level in stride(from: Kernels.vectorLevel, through: 0, by: -1) {
            let (quantized, peaks) = try Kernels.withVectorLevelCap(level) {
                (try QuantizedRows(quantizing: table), try Linear.columnPeaks([Linear(weight: table)]))
            }
            builds.append(quantized)
            for row in 1...3 {
                #expect(quantized.scales[row] == 0, "build \(level) row \(row)")
                #expect(quantized.values[(row * width)..<((row + 1) * width)].allSatisfy { $0 == 0 })
            }
            #expect(quantized.scales[0] > 0 && quantized.scales[4] > 0 && quantized.scales[5] > 0)
            let finitePeaks = zip(peaks, expectedPeaks).filter { !$0.1.isNaN }
            #expect(finitePeaks.allSatisfy { $0.0 == $0.1 }, "build \(level) column peaks")
        }
        #expect(builds.allSatisfy { $0.values == builds[0].values && $0.scales == builds[0].scales })
    }

    @Test func rejectsATensorThatIsNotATable() {
        #expect(throws: FuseError.self) { try QuantizedRows(quantizing: Tensor(zeros: [4])) }
    }
}
