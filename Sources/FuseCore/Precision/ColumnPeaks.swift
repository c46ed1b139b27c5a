import CFuseKernels

extension Linear {
    /// The largest |weight| of each input column over `layers`, layers that read the same input (a block's query, key
    /// and value projections): SmoothQuant's weight side (`ReducedPrecisionWeights`'s `smoothing`).
    public static func columnPeaks(_ layers: [Linear]) throws -> [Float] {
        guard let width = layers.first?.inFeatures, layers.allSatisfy({ $0.inFeatures == width }) else {
            throw FuseError.invalidArgument(
                what: "column peaks", reason: "need layers with one input width, got \(layers.map(\.inFeatures))")
        }
        var peaks = [Float](repeating: 0, count: width)
        for layer in layers {
            layer.weight.withUnsafeBufferPointer { w in
                fuse_f32_column_peaks(w.baseAddress, Int64(layer.outFeatures), Int64(width), &peaks)
            }
        }
        return peaks
    }
}
