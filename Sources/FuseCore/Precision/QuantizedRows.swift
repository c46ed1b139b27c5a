import CFuseKernels

/// A lookup table (token embeddings) stored as int8 with one fp32 scale per row, symmetric:
/// `row[j] ≈ scale · q[j]`, `scale = max |row| / 127`, `q = round(row / scale)` (ties to even). A quarter of the fp32
/// table's memory; a lookup dequantizes one row. Rows of zeros keep scale 0 and dequantize to exact zeros.
///
/// Used by `--precision int8` for the word-embedding tables, the largest weights of small text encoders
/// (all-MiniLM-L6-v2: 47 of its 90 MB), which are read a row per token but, memory-mapped, end up wholly resident.
public struct QuantizedRows: Sendable {
    public let rows: Int
    public let width: Int
    /// `[rows, width]` row-major.
    public let values: [Int8]
    /// `[rows]`.
    public let scales: [Float]

    /// Quantizes a `[rows, width]` table.
    public init(quantizing table: Tensor) throws {
        guard table.rank == 2 else {
            throw FuseError.invalidArgument(what: "quantized table", reason: "expected rank 2, got \(table.shape)")
        }
        let (rows, width) = (table.shape[0], table.shape[1])
        self = table.withUnsafeBufferPointer { QuantizedRows(rows: rows, width: width, quantizing: $0) }
    }

    /// Quantizes `rows × width` row-major floats (a weight matrix with one scale per output row, or a table).
    public init(rows: Int, width: Int, quantizing source: UnsafeBufferPointer<Float>) {
        precondition(source.count == rows * width, "\(source.count) values for \(rows) × \(width)")
        var values = [Int8](repeating: 0, count: rows * width)
        var scales = [Float](repeating: 0, count: rows)
        if width > 0 {
            // Scale = largest |value| / 127, codes rounded to nearest even; a zero or non-finite row gets scale 0.
            fuse_int8_quantize_symmetric_rows(
                source.baseAddress, Int64(rows), Int64(width), nil, 127, &values, &scales, nil)
        }
        self.rows = rows
        self.width = width
        self.values = values
        self.scales = scales
    }

    /// Writes row `row` dequantized into `destination` (`width` floats).
    @inline(__always)
    public func copyRow(_ row: Int, into destination: UnsafeMutablePointer<Float>) {
        let scale = scales[row]
        values.withUnsafeBufferPointer { quantized in
            let source = quantized.baseAddress! + row * width
            for j in 0..<width { destination[j] = scale * Float(source[j]) }
        }
    }

    /// Bytes held (values and scales).
    public var byteCount: Int { values.count + scales.count * MemoryLayout<Float>.stride }
}
