import FuseCore

/// The encoder's keys and values for every decoder layer's cross-attention: computed once per window, shared by
/// every decoding step and every beam.
public struct WhisperCrossCache: Sendable {
    let keys: [Tensor], values: [Tensor]  // per layer [sourceRows, D]
    let rows: Int
}

/// Whisper's text decoder (`WhisperDecoder` + the tied `proj_out`): token embeddings plus learned positions,
/// pre-LayerNorm layers of causal self-attention (with a `KVCache`), cross-attention over the encoder states and the
/// feed-forward block, a final LayerNorm and the output projection.
struct WhisperDecoder: Sendable {
    struct Layer: Sendable {
        let selfNorm: LayerNormWeights
        let selfAttention: WhisperAttention
        let crossNorm: LayerNormWeights
        let crossAttention: WhisperAttention
        let feedForwardNorm: LayerNormWeights
        let feedForward: WhisperFeedForward
    }

    let config: WhisperConfig
    let tokenEmbedding: Tensor  // [V, D]
    let positions: Tensor  // [maxTargetPositions, D]
    let layers: [Layer]
    let finalNorm: LayerNormWeights
    let outputProjection: Linear  // [V, D], tied to tokenEmbedding unless the checkpoint has proj_out

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
            return Layer(
                selfNorm: try norm("self_attn_layer_norm"),
                selfAttention: try WhisperAttention(
                    weights, p + "self_attn", width: d, heads: config.decoderHeads, because: because),
                crossNorm: try norm("encoder_attn_layer_norm"),
                crossAttention: try WhisperAttention(
                    weights, p + "encoder_attn", width: d, heads: config.decoderHeads, because: because),
                feedForwardNorm: try norm("final_layer_norm"),
                feedForward: try WhisperFeedForward(
                    weights, p, width: d, inner: config.decoderFFN, activation: config.activation, because: because))
        }
        finalNorm = try weights.layerNorm("decoder.layer_norm", width: d, epsilon: 1e-5, because: because)
        let root = weights.reading(under: "")
        if !config.tieWordEmbeddings, root.contains("proj_out.weight") {
            outputProjection = try root.linear("proj_out", in: d, out: config.vocabSize, bias: false, because: because)
        } else {
            outputProjection = try Linear(weight: tokenEmbedding)
        }
    }

    /// A self-attention cache for one sequence of up to `maxTargetPositions` tokens.
    func makeCache() -> KVCache {
        KVCache(layers: config.decoderLayers, width: config.hiddenSize, capacity: config.maxTargetPositions)
    }

    /// The cross-attention keys and values of `encoded` (`[sourceRows, D]`).
    func crossCache(_ encoded: Tensor) -> WhisperCrossCache {
        let rows = encoded.shape[0], d = config.hiddenSize
        var keys: [Tensor] = [], values: [Tensor] = []
        encoded.withUnsafeBufferPointer { e in
            for layer in layers {
                keys.append(
                    Tensor(shape: [rows, d]) {
                        layer.crossAttention.key.apply(e.baseAddress!, rows: rows, output: $0.baseAddress!)
                    })
                values.append(
                    Tensor(shape: [rows, d]) {
                        layer.crossAttention.value.apply(e.baseAddress!, rows: rows, output: $0.baseAddress!)
                    })
            }
        }
        return WhisperCrossCache(keys: keys, values: values, rows: rows)
    }

    /// Feeds `ids` after the cached positions and returns the logits of the last `logitRows` of them
    /// (`[logitRows, vocab]`); the cache grows by `ids.count`.
    func logits(_ ids: [Int32], cache: KVCache, cross: WhisperCrossCache, logitRows: Int = 1) throws -> Tensor {
        let t = ids.count, d = config.hiddenSize, start = cache.length
        guard start + t <= config.maxTargetPositions else {
            throw ModelError.sequenceTooLong(
                modality: "Whisper decoder", length: start + t, limit: config.maxTargetPositions)
        }
        if let bad = ids.first(where: { $0 < 0 || Int($0) >= config.vocabSize }) {
            throw ModelError.tokenOutOfRange(modality: "Whisper decoder", id: bad, vocabSize: config.vocabSize)
        }
        let inner = config.decoderFFN
        let h = UnsafeMutablePointer<Float>.allocate(capacity: t * d)
        let normed = UnsafeMutablePointer<Float>.allocate(capacity: t * d)
        let q = UnsafeMutablePointer<Float>.allocate(capacity: t * d)
        let k = UnsafeMutablePointer<Float>.allocate(capacity: t * d)
        let v = UnsafeMutablePointer<Float>.allocate(capacity: t * d)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: t * max(d, inner))
        defer { [h, normed, q, k, v, scratch].forEach { $0.deallocate() } }
        let embedScale: Float = config.scaleEmbedding ? Float(d).squareRoot() : 1
        tokenEmbedding.withUnsafeBufferPointer { tokens in
            positions.withUnsafeBufferPointer { places in
                for r in 0..<t {
                    let token = tokens.baseAddress! + Int(ids[r]) * d, place = places.baseAddress! + (start + r) * d
                    for c in 0..<d { h[r * d + c] = token[c] * embedScale + place[c] }
                }
            }
        }
        for (index, layer) in layers.enumerated() {
            normed.update(from: h, count: t * d)
            layer.selfNorm.apply(normed, rows: t)
            layer.selfAttention.query.apply(normed, rows: t, output: q)
            layer.selfAttention.key.apply(normed, rows: t, output: k)
            layer.selfAttention.value.apply(normed, rows: t, output: v)
            cache.store(layer: index, keys: k, values: v, rows: t)
            layer.selfAttention.attend(
                q: q, queryRows: t, keys: cache.keys[index], values: cache.values[index], keyRows: start + t,
                causal: true, scratch: scratch, result: normed)
            Kernels.add(h, normed, count: t * d)

            normed.update(from: h, count: t * d)
            layer.crossNorm.apply(normed, rows: t)
            layer.crossAttention.query.apply(normed, rows: t, output: q)
            cross.keys[index].withUnsafeBufferPointer { keys in
                cross.values[index].withUnsafeBufferPointer { values in
                    layer.crossAttention.attend(
                        q: q, queryRows: t, keys: keys.baseAddress!, values: values.baseAddress!, keyRows: cross.rows,
                        causal: false, scratch: scratch, result: normed)
                }
            }
            Kernels.add(h, normed, count: t * d)

            normed.update(from: h, count: t * d)
            layer.feedForwardNorm.apply(normed, rows: t)
            layer.feedForward.apply(normed, rows: t, hidden: scratch, result: q)
            Kernels.add(h, q, count: t * d)
        }
        cache.advance(by: t)
        let rows = min(max(logitRows, 1), t)
        let last = h + (t - rows) * d
        finalNorm.apply(last, rows: rows)
        return Tensor(shape: [rows, config.vocabSize]) {
            outputProjection.apply(last, rows: rows, output: $0.baseAddress!)
        }
    }
}
