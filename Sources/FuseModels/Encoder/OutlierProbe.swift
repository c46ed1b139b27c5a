import Foundation
import FuseCore

/// Which GEMM input of a transformer block: the attention projections' (q, k, v), the attention output
/// projection's, the MLP's first layer's and its down-projection's (the activation's output).
public enum BlockInput: String, Sendable, CaseIterable {
    case attention, attentionOutput, mlp, mlpOutput
}

/// Finds a text encoder's outlier input channels at load, for int8's mixed-precision decomposition
/// (`ReducedPrecisionWeights` computes them beside the int8 GEMM in fp32).
///
/// Transformers trained on text carry a few "massive activation" channels: the same hidden dimensions hold values
/// 10–30× the others' in every token (all-MiniLM-L6-v2: dimension 99 of every MLP input, ~28 against a median
/// channel peak of 1.6; one GELU output per block at ~20 against 0.9). Quantized per row, such a channel sets the
/// row's scale and the other channels lose 3–5 bits. They are properties of the weights, not of the input, so one
/// fp32 pass over a fixed probe — token ids spread evenly over the vocabulary, no user data — finds them: a channel
/// is an outlier of a GEMM input when its largest |value| over the probe exceeds `ratio` × the median channel's.
public struct OutlierProbe: Sendable {
    /// A channel's probe peak must exceed this multiple of the median channel peak.
    public var ratio: Float
    /// At most this many channels per GEMM input (largest first); each costs `rows × out` fp32 multiply-adds.
    public var limit: Int
    /// The GEMM inputs that get outlier channels.
    public var inputs: Set<BlockInput>
    /// The GEMM inputs whose layers run in `PrecisionConverter.sensitiveInt8Precision` instead of int8.
    public var sensitive: Set<BlockInput>
    /// Probe length in tokens.
    public var length: Int

    public init(
        ratio: Float, limit: Int, inputs: Set<BlockInput>, sensitive: Set<BlockInput> = [], length: Int = 64
    ) {
        self.ratio = ratio
        self.limit = limit
        self.inputs = inputs
        self.sensitive = sensitive
        self.length = length
    }

    /// The recipe `--precision int8` uses for text towers: outlier channels (> 6× the median peak, at most 4) on the
    /// attention output, MLP and down-projection inputs, and the stacked q/k/v projection in bf16 — measured on
    /// all-MiniLM-L6-v2 against the recipe before it (everything int8 but `fc2` in bf16): mean cosine to fp32
    /// 0.99918 → 0.99966, worst 0.99867 → 0.99937, top-1 retrieval 97.4 % → 98.9 %, weights 0.298× → 0.289× fp32
    /// (BENCHMARKS.md, docs/PRECISION.md).
    public static let int8Recipe = OutlierProbe(
        ratio: 6, limit: 4, inputs: [.attentionOutput, .mlp, .mlpOutput], sensitive: [.attention])

    /// The recipe `--precision int8` uses for towers over patches (images, spectrograms): the same outlier channels,
    /// every projection int8 — the down-projection too, which towers without a probe keep in bf16. Measured on the
    /// random-weight ViT-B/16 of `fuse bench encoder` (no channel passes the ratio there): CLS cosine to fp32 0.99990
    /// → 0.99983 (the contract asks ≥ 0.999), batch 8 ≈ 1.2× the img/s (BENCHMARKS.md, docs/PRECISION.md).
    public static let patchInt8Recipe = OutlierProbe(
        ratio: 6, limit: 4, inputs: [.attentionOutput, .mlp, .mlpOutput])

    /// The probe's token ids: `length` ids spread evenly over a vocabulary of `vocabularySize`.
    public func probeIDs(vocabularySize: Int) -> [Int32] {
        (0..<length).map { Int32($0 * vocabularySize / length) }
    }

    /// The probe's patches: `length` rows of `width` values, a fixed smooth pattern within ±2 (the range of
    /// normalised pixels and log-mel features), so the probe reads no user data and repeats exactly.
    public func probePatches(width: Int) throws -> Tensor {
        try Tensor(shape: [length, width]) { values in
            for row in 0..<length {
                for column in 0..<width {
                    let phase = 0.37 * Float(row) + 1.3 * Float(column % 48) + 0.05 * Float(column)
                    values[row * width + column] = 1.5 * sin(phase) + 0.5 * cos(0.11 * Float(row * width + column))
                }
            }
        }
    }

    /// Each block's outlier channels per GEMM input, from one fp32 pass of `encoder` over `hidden` (the embedded
    /// probe, `[1, length, width]`), causal as the tower runs.
    func outliers(of encoder: TransformerEncoder, hidden: Tensor, causal: Bool) throws -> [[BlockInput: [Int]]] {
        var peaks = [[BlockInput: [Float]]](repeating: [:], count: encoder.layers.count)
        try encoder.observing(hidden, causal: causal) { layer, input, values, rows, width in
            guard inputs.contains(input), !sensitive.contains(input) else { return }
            var peak = [Float](repeating: 0, count: width)
            for row in 0..<rows {
                let line = values + row * width
                for c in 0..<width { peak[c] = max(peak[c], abs(line[c])) }
            }
            peaks[layer][input] = peak
        }
        return peaks.map { layer in layer.mapValues { select($0) } }
    }

    /// The channels of one GEMM input whose peaks exceed `ratio` × the median peak, largest first, at most `limit`.
    public func select(_ peaks: [Float]) -> [Int] {
        guard !peaks.isEmpty, limit > 0 else { return [] }
        let median = peaks.sorted()[peaks.count / 2]
        let threshold = ratio * median
        let ranked = peaks.indices.filter { peaks[$0].isFinite && peaks[$0] > threshold }
            .sorted { peaks[$0] > peaks[$1] }
        return Array(ranked.prefix(limit))
    }
}

extension Tower {
    /// Under int8, declares the probe's plan for this tower's blocks to `converter`: the outlier channels the probe
    /// finds, and the sensitive layers. Text towers over a `TransformerEncoder` whose embedder looks token ids up
    /// follow `OutlierProbe.int8Recipe` (probe: token ids), towers over patches `patchInt8Recipe` (probe: a fixed
    /// pattern of patches); others keep the converter's defaults. An encoder another tower already converted (towers
    /// sharing one encoder) is not probed again: the first tower's plan holds.
    func declareInt8Plan(to converter: PrecisionConverter) throws {
        guard converter.precision == .int8, let encoder = encoder as? TransformerEncoder,
            let first = encoder.layers.first, !converter.hasConverted(first.fc1)
        else { return }
        if let (vocabulary, positions) = Self.tokenTable(embedder), vocabulary > 0 {
            var probe = OutlierProbe.int8Recipe
            probe.length = min(probe.length, positions)
            let ids = probe.probeIDs(vocabularySize: vocabulary)
            try declare(probe, tokens: Tokens(modality: modality, content: .ids(ids)), encoder: encoder, to: converter)
        } else if let patches = embedder as? PatchEmbedder, patches.maxPatches > 0 {
            var probe = OutlierProbe.patchInt8Recipe
            probe.length = min(probe.length, patches.maxPatches)
            let features = try probe.probePatches(width: patches.patchWidth)
            try declare(
                probe, tokens: Tokens(modality: modality, content: .features(features)), encoder: encoder,
                to: converter)
        }
    }

    /// One fp32 pass of the probe `tokens` through the tower, then `probe`'s plan for every block.
    private func declare(
        _ probe: OutlierProbe, tokens: Tokens, encoder: TransformerEncoder, to converter: PrecisionConverter
    ) throws {
        let hidden = try embedder.embed([tokens]).hidden
        let found = try probe.outliers(of: encoder, hidden: hidden, causal: causal)
        for (layer, channels) in zip(encoder.layers, found) {
            for input in BlockInput.allCases {
                let linear: Linear
                switch input {
                case .attention: linear = layer.query  // the stacked q/k/v layer's first part
                case .attentionOutput: linear = layer.output
                case .mlp: linear = layer.fc1
                case .mlpOutput: linear = layer.fc2
                }
                if probe.sensitive.contains(input) {
                    converter.plan(.sensitive, for: linear)
                } else if let chosen = channels[input] {
                    converter.plan(.outliers(chosen), for: linear)
                }
            }
        }
    }

    /// The vocabulary size and longest sequence of an embedder that looks token ids up (nil for others).
    static func tokenTable(_ embedder: any ModalityEmbedder) -> (Int, Int)? {
        if let ids = embedder as? IDEmbedder { return (ids.vocabSize, ids.maxPositions) }
        if let lookup = embedder as? LookupEmbedder { return (lookup.words.vocabSize, lookup.maxPositions) }
        return nil
    }
}
