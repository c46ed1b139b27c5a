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

    @Test func rejectsATensorThatIsNotATable() {
        #expect(throws: FuseError.self) { try QuantizedRows(quantizing: Tensor(zeros: [4])) }
    }
}
