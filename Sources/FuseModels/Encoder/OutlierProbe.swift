import Foundation
import FuseCore

/// Which GEMM input of a transformer block: the attention projections' (q, k, v), the attention output
/// projection's, the MLP's first layer's and its down-projection's (the activation's output).
public enum BlockInput: String, Sendable, CaseIterable {
    case attention, attentionOutput, mlp, mlpOutput
}

/// Finds a transformer's outlier input channels at load, for int8's mixed-precision decomposition
/// (`ReducedPrecisionWeights` computes them beside the int8 GEMM in fp32), and its inputs' SmoothQuant factors.
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
    /// The GEMM inputs whose channels get SmoothQuant factors from their probe peaks (`smoothingFactors`).
    public var smoothed: Set<BlockInput>
    /// SmoothQuant's migration strength α: factor = peak^α / weight column peak^(1−α).
    public var alpha: Float
    /// Probe length in tokens.
    public var length: Int
    /// Whether the blocks attend with bf16 operands (`EncoderLayer.attentionInBF16`; scores and softmax stay fp32).
    public var attentionInBF16: Bool

    public init(
        ratio: Float, limit: Int, inputs: Set<BlockInput>, sensitive: Set<BlockInput> = [],
        smoothed: Set<BlockInput> = [], alpha: Float = 0.5, length: Int = 64, attentionInBF16: Bool = false
    ) {
        self.attentionInBF16 = attentionInBF16
        self.ratio = ratio
        self.limit = limit
        self.inputs = inputs
        self.sensitive = sensitive
        self.smoothed = smoothed
        self.alpha = alpha
        self.length = length
    }

    /// The recipe `--precision int8` uses for text towers: every projection int8, q/k/v included, each GEMM input
    /// with outlier channels (> 6× the median peak, at most 4) and all but the down-projection's with SmoothQuant
    /// factors (α 0.5) from the probe's peaks. Measured on all-MiniLM-L6-v2 (1000 sentences) against the recipe
    /// before it (q/k/v in bf16, outliers on the other three, no smoothing): ≈ 1.12× the sentences/s, cosine to fp32
    /// 0.99967 / 0.99931 (mean / worst) → 0.99955 / 0.99919 with factors on every input, 0.99966 / 0.99944 without
    /// them on the down-projection's; top-1 retrieval 98.6–98.7 % throughout (every change at an fp32 gap < 0.01).
    /// Without the smoothing the same all-int8 recipe moved 4 of the contract test's 60 nearest neighbours
    /// (BENCHMARKS.md, docs/PRECISION.md). On CPUs without VNNI, whose int8 weights get 7 bits
    /// (`ReducedPrecisionWeights`), that recipe moved 3 of the 60 neighbours; there the text recipe is
    /// `qkvSensitiveRecipe`.
    public static var int8Recipe: OutlierProbe {
        ComputeCapabilities.current.hasVNNI ? allInt8Recipe : qkvSensitiveRecipe
    }

    /// Every projection int8, each GEMM input with outlier channels, SmoothQuant factors on every input but the
    /// down-projection's (CPUs with VNNI). The GELU output gains nothing from them: its probe peaks are the outlier
    /// channels already computed in fp32, and the factors only coarsened its weights' rows (the down-projection's
    /// error fell by about half without them in `tools/reference/int8_recipe_study.py --set fc2`).
    public static let allInt8Recipe = OutlierProbe(
        ratio: 6, limit: 4, inputs: Set(BlockInput.allCases), smoothed: [.attention, .attentionOutput, .mlp])

    /// The stacked q/k/v projection in `PrecisionConverter.sensitiveInt8Precision` (bf16, or fp32 without native
    /// bf16), outlier channels on the other three GEMM inputs, no smoothing (the text recipe before session 11; CPUs
    /// without VNNI).
    public static let qkvSensitiveRecipe = OutlierProbe(
        ratio: 6, limit: 4, inputs: [.attentionOutput, .mlp, .mlpOutput], sensitive: [.attention])

    /// The recipe `--precision int8` uses for towers over patches (images, spectrograms): the same outlier channels,
    /// every projection int8 — the down-projection too, which towers without a probe keep in bf16 — and attention
    /// with bf16 operands. Measured on the random-weight ViT-B/16 of `fuse bench encoder` (no channel passes the
    /// ratio there): CLS cosine to fp32 0.99990 → 0.99983 with `fc2` int8 (the contract asks ≥ 0.999), batch 8 ≈ 1.2×
    /// the img/s; bf16 attention then 0.99983 → 0.99982 and +2.6 % img/s (BENCHMARKS.md, docs/PRECISION.md). Text
    /// towers keep fp32 attention: their retrieval agreement is the tighter clause.
    public static let patchInt8Recipe = OutlierProbe(
        ratio: 6, limit: 4, inputs: [.attentionOutput, .mlp, .mlpOutput], attentionInBF16: true)

    /// The probe's token ids: `length` ids spread evenly over a vocabulary of `vocabularySize`.
    public func probeIDs(vocabularySize: Int) -> [Int32] {
        (0..<length).map { Int32($0 * vocabularySize / length) }
    }

    /// The probe's patches: `length` rows of `width` values, a fixed smooth pattern within ±2 (the range of
    /// normalised pixels and log-mel features), so the probe reads no user data and repeats exactly.
    public func probePatches(width: Int) -> Tensor {
        Tensor(shape: [length, width]) { values in
            for row in 0..<length {
                for column in 0..<width {
                    let phase = 0.37 * Float(row) + 1.3 * Float(column % 48) + 0.05 * Float(column)
                    values[row * width + column] = 1.5 * sin(phase) + 0.5 * cos(0.11 * Float(row * width + column))
                }
            }
        }
    }

    /// Each block's per-channel probe peaks (largest |value|) of the GEMM inputs that get outlier channels or
    /// smoothing and are not sensitive, from one fp32 pass of `encoder` over `hidden`.
    func peaks(of encoder: TransformerEncoder, hidden: Tensor, causal: Bool) throws -> [[BlockInput: [Float]]] {
        var peaks = [[BlockInput: [Float]]](repeating: [:], count: encoder.layers.count)
        try encoder.observing(hidden, causal: causal) { layer, input, values, rows, width in
            guard inputs.contains(input) || smoothed.contains(input), !sensitive.contains(input) else { return }
            var peak = [Float](repeating: 0, count: width)
            for row in 0..<rows {
                let line = values + row * width
                for c in 0..<width { peak[c] = max(peak[c], abs(line[c])) }
            }
            peaks[layer][input] = peak
        }
        return peaks
    }

    /// SmoothQuant's per-input-channel factors for a GEMM whose input channels peaked at `peaks` over the probe and
    /// whose weight columns (over every stacked part) peak at `weightPeaks`: peak^α / weight peak^(1−α), both
    /// floored at 1e-5, divided by their median so the input's typical channel keeps its scale.
    public func smoothingFactors(peaks: [Float], weightPeaks: [Float]) -> [Float] {
        precondition(peaks.count == weightPeaks.count, "\(peaks.count) input peaks for \(weightPeaks.count) columns")
        let raw = zip(peaks, weightPeaks).map { peak, weight in
            let (x, w) = (max(peak.isFinite ? peak : 1e-5, 1e-5), max(weight.isFinite ? weight : 1e-5, 1e-5))
            return pow(x, alpha) / pow(w, 1 - alpha)
        }
        let median = raw.sorted()[raw.count / 2]
        return raw.map { $0 / median }
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
            let features = probe.probePatches(width: patches.patchWidth)
            try declare(
                probe, tokens: Tokens(modality: modality, content: .features(features)), encoder: encoder,
                to: converter)
        }
    }

    /// One fp32 pass of the probe `tokens` through the tower, then `probe`'s plan for every block.
    private func declare(
        _ probe: OutlierProbe, tokens: Tokens, encoder: TransformerEncoder, to converter: PrecisionConverter
    ) throws {
        // One short sequence: single-threaded BLAS (OpenBLAS's threads, once woken, spin in sched_yield for a while
        // after each call, taking a core from the int8 work that follows).
        let peaks = try Kernels.withSingleThreadedBLAS {
            let hidden = try embedder.embed([tokens]).hidden
            return try probe.peaks(of: encoder, hidden: hidden, causal: causal)
        }
        for (layer, layerPeaks) in zip(encoder.layers, peaks) {
            if probe.attentionInBF16 { converter.planBF16Attention(forBlockWithQuery: layer.query) }
            for input in BlockInput.allCases {
                // The layers reading this input; a stacked q/k/v layer is declared on its first part.
                let parts: [Linear]
                switch input {
                case .attention: parts = [layer.query, layer.key, layer.value]
                case .attentionOutput: parts = [layer.output]
                case .mlp: parts = [layer.fc1]
                case .mlpOutput: parts = [layer.fc2]
                }
                if probe.sensitive.contains(input) {
                    converter.plan(.sensitive, for: parts[0])
                } else if let inputPeaks = layerPeaks[input] {
                    let chosen = probe.inputs.contains(input) ? probe.select(inputPeaks) : []
                    let smoothing =
                        probe.smoothed.contains(input)
                        ? probe.smoothingFactors(peaks: inputPeaks, weightPeaks: try Linear.columnPeaks(parts)) : nil
                    converter.plan(.outliers(chosen, smoothing: smoothing), for: parts[0])
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
