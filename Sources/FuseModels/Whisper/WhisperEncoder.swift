import FuseCore

/// Whisper's audio encoder (`WhisperEncoder`): two `Conv1d` (kernel 3, padding 1; the second with stride 2) each
/// followed by the activation, plus the checkpoint's sinusoidal positions, then pre-LayerNorm transformer layers and
/// a final LayerNorm.
struct WhisperEncoder: Sendable {
    struct Layer: Sendable {
        let attentionNorm: LayerNormWeights
        let attention: WhisperAttention
        let feedForwardNorm: LayerNormWeights
        let feedForward: WhisperFeedForward
    }

    let config: WhisperConfig
    /// Conv weights in the time-major `[out, kernel, in]` layout `Kernels.conv1d` reads.
    let conv1Weight: [Float], conv1Bias: Tensor
    let conv2Weight: [Float], conv2Bias: Tensor
    let positions: Tensor  // [maxSourcePositions, D]
    let layers: [Layer]
    let finalNorm: LayerNormWeights

    init(config: WhisperConfig, weights: Weights) throws {
        self.config = config
        let d = config.hiddenSize, because = config.shapeReason
        func tensor(_ name: String, _ shape: [Int]) throws -> Tensor {
            try weights.tensor(name, shape: shape, because: because)
        }
        let conv1 = try tensor("encoder.conv1.weight", [d, config.melBins, 3])
        conv1Weight = conv1.withUnsafeBufferPointer {
            Kernels.conv1dWeightTimeMajor($0, outChannels: d, inChannels: config.melBins, kernel: 3)
        }
        conv1Bias = try tensor("encoder.conv1.bias", [d])
        let conv2 = try tensor("encoder.conv2.weight", [d, d, 3])
        conv2Weight = conv2.withUnsafeBufferPointer {
            Kernels.conv1dWeightTimeMajor($0, outChannels: d, inChannels: d, kernel: 3)
        }
        conv2Bias = try tensor("encoder.conv2.bias", [d])
        positions = try tensor("encoder.embed_positions.weight", [config.maxSourcePositions, d])
        try weights.requireBlockCount(stem: "encoder.layers", expected: config.encoderLayers, field: "encoder_layers")
        layers = try (0..<config.encoderLayers).map { l in
            let p = "encoder.layers.\(l)."
            return Layer(
                attentionNorm: try weights.layerNorm(
                    p + "self_attn_layer_norm", width: d, epsilon: 1e-5, because: because),
                attention: try WhisperAttention(
                    weights, p + "self_attn", width: d, heads: config.encoderHeads, because: because),
                feedForwardNorm: try weights.layerNorm(
                    p + "final_layer_norm", width: d, epsilon: 1e-5, because: because),
                feedForward: try WhisperFeedForward(
                    weights, p, width: d, inner: config.encoderFFN, activation: config.activation, because: because))
        }
        finalNorm = try weights.layerNorm("encoder.layer_norm", width: d, epsilon: 1e-5, because: because)
    }

    /// Frames of log-mel features one window holds (twice the encoder positions).
    var windowFrames: Int { 2 * config.maxSourcePositions }

    /// `features` `[windowFrames, melBins]` (time-major) → hidden states `[maxSourcePositions, D]`.
    func callAsFunction(_ features: Tensor) throws -> Tensor {
        guard features.shape == [windowFrames, config.melBins] else {
            throw FuseError.shapeMismatch(
                what: "Whisper encoder input (log-mel frames × mel bins)", expected: [windowFrames, config.melBins],
                actual: features.shape)
        }
        let d = config.hiddenSize, frames = windowFrames, rows = config.maxSourcePositions
        let inner = config.encoderFFN
        let convolved = UnsafeMutablePointer<Float>.allocate(capacity: frames * d)
        let normed = UnsafeMutablePointer<Float>.allocate(capacity: rows * d)
        let q = UnsafeMutablePointer<Float>.allocate(capacity: rows * d)
        let k = UnsafeMutablePointer<Float>.allocate(capacity: rows * d)
        let v = UnsafeMutablePointer<Float>.allocate(capacity: rows * d)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: rows * max(d, inner))
        defer { [convolved, normed, q, k, v, scratch].forEach { $0.deallocate() } }
        var hidden = Tensor(zeros: [rows, d])
        hidden.withUnsafeMutableBufferPointer { hb in
            let h = hb.baseAddress!
            features.withUnsafeBufferPointer { input in
                conv1Weight.withUnsafeBufferPointer { w in
                    conv1Bias.withUnsafeBufferPointer { b in
                        Kernels.conv1d(
                            input: input.baseAddress!, inputLength: frames, inChannels: config.melBins,
                            weight: w.baseAddress!, bias: b.baseAddress!, outChannels: d, kernel: 3, stride: 1,
                            padding: 1, groups: 1, output: convolved, outputRows: frames)
                    }
                }
            }
            config.activation.apply(convolved, count: frames * d)
            conv2Weight.withUnsafeBufferPointer { w in
                conv2Bias.withUnsafeBufferPointer { b in
                    Kernels.conv1d(
                        input: convolved, inputLength: frames, inChannels: d, weight: w.baseAddress!,
                        bias: b.baseAddress!, outChannels: d, kernel: 3, stride: 2, padding: 1, groups: 1, output: h,
                        outputRows: rows)
                }
            }
            config.activation.apply(h, count: rows * d)
            positions.withUnsafeBufferPointer { Kernels.add(h, $0.baseAddress!, count: rows * d) }
            for layer in layers {
                normed.update(from: h, count: rows * d)
                layer.attentionNorm.apply(normed, rows: rows)
                layer.attention.query.apply(normed, rows: rows, output: q)
                layer.attention.key.apply(normed, rows: rows, output: k)
                layer.attention.value.apply(normed, rows: rows, output: v)
                layer.attention.attend(
                    q: q, queryRows: rows, keys: k, values: v, keyRows: rows, causal: false, scratch: scratch,
                    result: normed)
                Kernels.add(h, normed, count: rows * d)
                normed.update(from: h, count: rows * d)
                layer.feedForwardNorm.apply(normed, rows: rows)
                layer.feedForward.apply(normed, rows: rows, hidden: scratch, result: q)
                Kernels.add(h, q, count: rows * d)
            }
            finalNorm.apply(h, rows: rows)
        }
        return hidden
    }
}
