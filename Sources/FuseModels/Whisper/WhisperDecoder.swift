import CFuseKernels
import FuseCore

/// Whisper's text decoder (`WhisperDecoder` + the tied `proj_out`): token embeddings plus learned positions,
/// pre-LayerNorm layers of causal self-attention (with a `WhisperDecoderCache`), cross-attention over the encoder
/// states and the feed-forward block, a final LayerNorm and the output projection.
///
/// A step runs several sequences (beams) in lockstep: every linear layer is one product over all their rows
/// (`WhisperStepLinear`, the self-attention's query, key and value stacked into one), and each row attends over its
/// own cache with the single-query attention kernel.
struct WhisperDecoder: Sendable {
    struct Layer: Sendable {
        let selfNorm: LayerNormWeights
        /// Query, key and value stacked `[3·D, D]` (the key part without bias).
        let selfQKV: WhisperStepLinear
        let selfOutput: WhisperStepLinear
        let crossNorm: LayerNormWeights
        let crossQuery: WhisperStepLinear
        /// Applied once per window to the encoder states (`crossCache`).
        let crossKey: Linear, crossValue: Linear
        let crossOutput: WhisperStepLinear
        let feedForwardNorm: LayerNormWeights
        let up: WhisperStepLinear, down: WhisperStepLinear
    }

    let config: WhisperConfig
    let tokenEmbedding: Tensor  // [V, D]
    let positions: Tensor  // [maxTargetPositions, D]
    let layers: [Layer]
    let finalNorm: LayerNormWeights
    /// `[V, D]`, tied to `tokenEmbedding` unless the checkpoint has `proj_out`; sums in fp32 in every precision.
    let outputProjection: WhisperStepLinear

    var heads: Int { config.decoderHeads }
    var headDim: Int { config.hiddenSize / config.decoderHeads }

    init(config: WhisperConfig, weights: Weights) throws {
        self.config = config
        let d = config.hiddenSize, because = config.shapeReason
        tokenEmbedding = try weights.tensor(
            "decoder.embed_tokens.weight", shape: [config.vocabSize, d], because: because)
        positions = try weights.tensor(
            "decoder.embed_positions.weight", shape: [config.maxTargetPositions, d], because: because)
        try weights.requireBlockCount(stem: "decoder.layers", expected: config.decoderLayers, field: "decoder_layers")
        layers = try (0..<config.decoderLayers).map { l in
            let p = "decoder.layers.\(l)."
            func norm(_ name: String) throws -> LayerNormWeights {
                try weights.layerNorm(p + name, width: d, epsilon: 1e-5, because: because)
            }
            func linear(_ name: String, bias: Bool = true, in inputs: Int = d, out: Int = d) throws -> Linear {
                try weights.linear(p + name, in: inputs, out: out, bias: bias, because: because)
            }
            let qkv = try Linear.stacked([
                try linear("self_attn.q_proj"), try linear("self_attn.k_proj", bias: false),
                try linear("self_attn.v_proj"),
            ])
            return Layer(
                selfNorm: try norm("self_attn_layer_norm"), selfQKV: WhisperStepLinear(qkv),
                selfOutput: WhisperStepLinear(try linear("self_attn.out_proj")),
                crossNorm: try norm("encoder_attn_layer_norm"),
                crossQuery: WhisperStepLinear(try linear("encoder_attn.q_proj")),
                crossKey: try linear("encoder_attn.k_proj", bias: false), crossValue: try linear("encoder_attn.v_proj"),
                crossOutput: WhisperStepLinear(try linear("encoder_attn.out_proj")),
                feedForwardNorm: try norm("final_layer_norm"),
                up: WhisperStepLinear(try linear("fc1", out: config.decoderFFN)),
                down: WhisperStepLinear(try linear("fc2", in: config.decoderFFN)))
        }
        finalNorm = try weights.layerNorm("decoder.layer_norm", width: d, epsilon: 1e-5, because: because)
        let root = weights.reading(under: "")
        if !config.tieWordEmbeddings, root.contains("proj_out.weight") {
            outputProjection = WhisperStepLinear(
                try root.linear("proj_out", in: d, out: config.vocabSize, bias: false, because: because))
        } else {
            outputProjection = WhisperStepLinear(try Linear(weight: tokenEmbedding))
        }
    }

    private init(_ other: WhisperDecoder, layers: [Layer], outputProjection: WhisperStepLinear) {
        config = other.config
        tokenEmbedding = other.tokenEmbedding
        positions = other.positions
        finalNorm = other.finalNorm
        self.layers = layers
        self.outputProjection = outputProjection
    }

    /// The decoder with its step layers' weights in `precision` (bf16 or int8, weight-only, fp32 sums). Under int8
    /// the MLP's down-projection (`fc2`) and the vocabulary projection keep bf16 weights: measured on tiny.en,
    /// int8 there changed greedy transcripts of samples/audio (4 of 6 files with an int8 vocabulary projection, 1 with
    /// an int8 `fc2`), bf16 none (docs/SPEECH.md). Embeddings, positions, LayerNorms, attention and the once-per-window
    /// cross-attention keys and values stay fp32: the latter are a few GEMMs per window, and through oneDNN they
    /// would leave its OpenMP team spinning on the second core while the decoding steps need it.
    func converted(to precision: Precision) -> WhisperDecoder {
        guard precision != .fp32 else { return self }
        func step(_ layer: WhisperStepLinear) -> WhisperStepLinear {
            WhisperStepLinear(layer.linear, precision: precision)
        }
        let converted = layers.map { layer in
            Layer(
                selfNorm: layer.selfNorm, selfQKV: step(layer.selfQKV), selfOutput: step(layer.selfOutput),
                crossNorm: layer.crossNorm, crossQuery: step(layer.crossQuery),
                crossKey: layer.crossKey, crossValue: layer.crossValue,
                crossOutput: step(layer.crossOutput), feedForwardNorm: layer.feedForwardNorm, up: step(layer.up),
                down: precision == .int8 ? WhisperStepLinear(layer.down.linear, precision: .bf16) : step(layer.down))
        }
        // The tied table is still read a row per token for the embeddings: its fp32 pages stay.
        let projection = WhisperStepLinear(
            outputProjection.linear, precision: precision == .int8 ? .bf16 : precision, releaseFP32: false)
        return WhisperDecoder(self, layers: converted, outputProjection: projection)
    }

    /// A self-attention cache for one sequence of up to `maxTargetPositions` tokens.
    func makeCache() -> WhisperDecoderCache {
        WhisperDecoderCache(layers: config.decoderLayers, width: config.hiddenSize, capacity: config.maxTargetPositions)
    }

    /// Buffers for steps of up to `rows` rows.
    func makeWorkspace(rows: Int) -> WhisperDecoderWorkspace {
        WhisperDecoderWorkspace(
            width: config.hiddenSize, inner: config.decoderFFN, vocab: config.vocabSize, rows: max(rows, 1))
    }

    /// The cross-attention keys (transposed, `[D, sourceRows]`) and values (`[sourceRows, D]`) of `encoded`.
    func crossCache(_ encoded: Tensor) -> WhisperCrossCache {
        let rows = encoded.shape[0], d = config.hiddenSize
        var keys: [Tensor] = [], values: [Tensor] = []
        let projected = UnsafeMutablePointer<Float>.allocate(capacity: rows * d)
        defer { projected.deallocate() }
        encoded.withUnsafeBufferPointer { e in
            for layer in layers {
                layer.crossKey.apply(e.baseAddress!, rows: rows, output: projected)
                keys.append(
                    Tensor(shape: [d, rows]) { transposed in
                        for r in 0..<rows {
                            for c in 0..<d { transposed[c * rows + r] = projected[r * d + c] }
                        }
                    })
                values.append(
                    Tensor(shape: [rows, d]) {
                        layer.crossValue.apply(e.baseAddress!, rows: rows, output: $0.baseAddress!)
                    })
            }
        }
        return WhisperCrossCache(keys: keys, values: values, rows: rows)
    }

    /// Checks a step's tokens against the positions left and the vocabulary.
    func validate(_ ids: [Int32], perSequence: Int, start: Int) throws {
        guard start + perSequence <= config.maxTargetPositions else {
            throw ModelError.sequenceTooLong(
                modality: "Whisper decoder", length: start + perSequence, limit: config.maxTargetPositions)
        }
        if let bad = ids.first(where: { $0 < 0 || Int($0) >= config.vocabSize }) {
            throw ModelError.tokenOutOfRange(modality: "Whisper decoder", id: bad, vocabSize: config.vocabSize)
        }
    }

    /// One step for `caches.count` sequences in lockstep (all at the same length): `ids` holds each sequence's new
    /// tokens in turn (`ids.count / caches.count` each). Returns the logits of the last `logitRows` tokens of each
    /// sequence, `[caches.count · logitRows, vocab]`, in `workspace.logits`; every cache grows by its tokens.
    func step(
        _ ids: [Int32], caches: [WhisperDecoderCache], cross: WhisperCrossCache, workspace: WhisperDecoderWorkspace,
        logitRows: Int = 1
    ) throws -> UnsafeMutablePointer<Float> {
        let sequences = caches.count, rows = ids.count, d = config.hiddenSize
        precondition(sequences > 0 && rows % sequences == 0, "\(rows) tokens for \(sequences) sequences")
        let perSequence = rows / sequences, start = caches[0].length
        precondition(caches.allSatisfy { $0.length == start }, "sequences of a step must have equal lengths")
        try validate(ids, perSequence: perSequence, start: start)
        guard perSequence > 0 else { return workspace.logits }
        let kept = min(max(logitRows, 1), perSequence)
        workspace.reserve(rows: rows, logitRows: sequences * kept)
        let h = workspace.hidden, normed = workspace.normed, qkv = workspace.qkv, context = workspace.context
        embed(ids, perSequence: perSequence, start: start, into: h)
        for (index, layer) in layers.enumerated() {
            normed.update(from: h, count: rows * d)
            layer.selfNorm.apply(normed, rows: rows)
            layer.selfQKV.apply(normed, rows: rows, output: qkv)
            for (s, cache) in caches.enumerated() {
                let first = qkv + s * perSequence * 3 * d
                cache.store(
                    layer: index, keys: first + d, keyStride: 3 * d, values: first + 2 * d, valueStride: 3 * d,
                    rows: perSequence)
            }
            attend(rows: rows, query: qkv, queryStride: 3 * d, output: context) { r in
                let cache = caches[r / perSequence]
                return (
                    UnsafePointer(cache.keys[index]), cache.capacity, UnsafePointer(cache.values[index]),
                    start + r % perSequence + 1
                )
            }
            layer.selfOutput.apply(context, rows: rows, output: normed)
            Kernels.add(h, normed, count: rows * d)

            normed.update(from: h, count: rows * d)
            layer.crossNorm.apply(normed, rows: rows)
            layer.crossQuery.apply(normed, rows: rows, output: qkv)
            cross.keys[index].withUnsafeBufferPointer { keys in
                cross.values[index].withUnsafeBufferPointer { values in
                    attend(rows: rows, query: qkv, queryStride: d, output: context) { _ in
                        (keys.baseAddress!, cross.rows, values.baseAddress!, cross.rows)
                    }
                }
            }
            layer.crossOutput.apply(context, rows: rows, output: normed)
            Kernels.add(h, normed, count: rows * d)

            normed.update(from: h, count: rows * d)
            layer.feedForwardNorm.apply(normed, rows: rows)
            layer.up.apply(normed, rows: rows, output: workspace.feedForward)
            config.activation.apply(workspace.feedForward, count: rows * config.decoderFFN)
            layer.down.apply(workspace.feedForward, rows: rows, output: normed)
            Kernels.add(h, normed, count: rows * d)
        }
        for cache in caches { cache.advance(by: perSequence) }
        // The last `kept` rows of each sequence, gathered, normalised and projected onto the vocabulary.
        for s in 0..<sequences {
            (normed + s * kept * d).update(from: h + ((s + 1) * perSequence - kept) * d, count: kept * d)
        }
        finalNorm.apply(normed, rows: sequences * kept)
        outputProjection.apply(normed, rows: sequences * kept, output: workspace.logits)
        return workspace.logits
    }

    /// Token embeddings (times √D with `scale_embedding`) plus the learned positions `start ..< start + perSequence`
    /// of each sequence.
    private func embed(_ ids: [Int32], perSequence: Int, start: Int, into h: UnsafeMutablePointer<Float>) {
        let d = config.hiddenSize
        let embedScale: Float = config.scaleEmbedding ? Float(d).squareRoot() : 1
        tokenEmbedding.withUnsafeBufferPointer { tokens in
            positions.withUnsafeBufferPointer { places in
                for (r, id) in ids.enumerated() {
                    let token = tokens.baseAddress! + Int(id) * d
                    let place = places.baseAddress! + (start + r % perSequence) * d
                    for c in 0..<d { h[r * d + c] = token[c] * embedScale + place[c] }
                }
            }
        }
    }

    /// Attention of each of `rows` query rows over the keys `source(row)` names — transposed keys, their row
    /// stride, row-major values, and how many keys the row sees — into `output` (`[rows, D]`). (row, head) pairs
    /// spread over the cores when there is enough work.
    private func attend(
        rows: Int, query: UnsafePointer<Float>, queryStride: Int, output: UnsafeMutablePointer<Float>,
        source: (Int) -> (keys: UnsafePointer<Float>, ldk: Int, values: UnsafePointer<Float>, count: Int)
    ) {
        let d = config.hiddenSize, heads = self.heads, headDim = self.headDim
        let scale = 1 / Float(headDim).squareRoot()
        let longest = source(rows - 1).count
        Kernels.parallelChunks(count: rows * heads, work: rows * heads * longest * headDim, minimumWork: 1 << 16) {
            pairs in
            for pair in pairs {
                let row = pair / heads, head = pair % heads
                let (keys, ldk, values, count) = source(row)
                var problem = fuse_query_attention(
                    query: query + row * queryStride, keys_t: keys, ldk: Int64(ldk), values: values,
                    value_stride: Int64(d), key_count: Int64(count), output: output + row * d,
                    head_dim: Int64(headDim), scale: scale)
                fuse_query_attention_run(&problem, Int64(head), 1)
            }
        }
    }
}
