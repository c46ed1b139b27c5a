extension Kernels {
    /// Layer normalisation of each row of the row-major `rows × columns` matrix `x`, in place:
    /// `(x − mean) / sqrt(var + epsilon) · weight + bias`, with the biased variance (as `torch.nn.LayerNorm`).
    /// A nil `weight` means 1, a nil `bias` means 0.
    public static func layerNorm(
        _ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int,
        weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, epsilon: Float
    ) {
        guard columns > 0 else { return }
        parallelChunks(count: rows, grain: rowGrain(columns)) { rowRange in
            for row in rowRange {
                layerNormRow(x + row * columns, columns: columns, weight: weight, bias: bias, epsilon: epsilon)
            }
        }
    }

    /// RMS normalisation of each row, in place: `x / sqrt(mean(x²) + epsilon) · weight` (LLaMA / T5 style).
    /// A nil `weight` means 1.
    public static func rmsNorm(
        _ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int, weight: UnsafePointer<Float>?, epsilon: Float
    ) {
        guard columns > 0 else { return }
        parallelChunks(count: rows, grain: rowGrain(columns)) { rowRange in
            for row in rowRange {
                let line = x + row * columns
                var squares: Float = 0
                for column in 0..<columns { squares += line[column] * line[column] }
                let inverseRMS = 1 / (squares / Float(columns) + epsilon).squareRoot()
                if let weight {
                    for column in 0..<columns { line[column] = line[column] * inverseRMS * weight[column] }
                } else {
                    for column in 0..<columns { line[column] *= inverseRMS }
                }
            }
        }
    }

    /// The fewest rows of `columns` elements worth handing to a second core.
    static func rowGrain(_ columns: Int) -> Int { max(1, elementGrain / max(columns, 1)) }

    private static func layerNormRow(
        _ line: UnsafeMutablePointer<Float>, columns: Int,
        weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, epsilon: Float
    ) {
        let inverseCount = 1 / Float(columns)
        // Work on deviations from the first element: for a row with a large common offset (|mean| ≫ spread) the
        // differences x − shift are exact and small, so neither the sum nor the mean loses precision to Float rounding
        // (the mean itself, rounded near the offset, would). Squared deviations take a second pass rather than
        // E[x²] − E[x]², which would cancel badly for the same rows.
        let shift = line[0]
        var shiftedSum: Float = 0
        for column in 0..<columns { shiftedSum += line[column] - shift }
        let shiftedMean = shiftedSum * inverseCount
        var squares: Float = 0
        for column in 0..<columns {
            let deviation = (line[column] - shift) - shiftedMean
            squares += deviation * deviation
        }
        let inverseStd = 1 / (squares * inverseCount + epsilon).squareRoot()
        for column in 0..<columns {
            let normalized = ((line[column] - shift) - shiftedMean) * inverseStd
            line[column] = normalized * (weight?[column] ?? 1) + (bias?[column] ?? 0)
        }
    }
}
