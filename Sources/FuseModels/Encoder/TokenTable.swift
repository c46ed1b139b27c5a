import FuseCore

/// A token-embedding table read one row per token: the fp32 `[vocab, width]` tensor, or — when the model runs
/// int8 — the same rows held as int8 with a scale per row (`QuantizedRows`), which lookups then read instead.
public struct TokenTable: Sendable {
    /// `[vocab, width]` fp32 (its resident pages released once quantized).
    public let table: Tensor
    /// `table` as int8 rows, when the model runs int8.
    public let quantized: QuantizedRows?

    public init(table: Tensor, quantized: QuantizedRows? = nil) {
        self.table = table
        self.quantized = quantized
    }

    public var vocabSize: Int { table.shape[0] }
    public var width: Int { table.shape[1] }

    /// Writes row `id` (fp32, dequantized when int8) into `line` (`width` floats). `id` must be in range.
    @inline(__always)
    public func copyRow(_ id: Int, into line: UnsafeMutablePointer<Float>) {
        if let quantized {
            quantized.copyRow(id, into: line)
        } else {
            table.withUnsafeBufferPointer { line.update(from: $0.baseAddress! + id * width, count: width) }
        }
    }

    /// The table in `converter`'s precision (int8 rows for an int8 converter), or nil when that changes nothing.
    public func converted(_ converter: PrecisionConverter) throws -> TokenTable? {
        guard quantized == nil, let rows = try converter.quantizedTable(table) else { return nil }
        return TokenTable(table: table, quantized: rows)
    }
}
