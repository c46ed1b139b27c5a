import FuseCore

/// Whisper's audio encoder (`WhisperEncoder`): two `Conv1d` (kernel 3, padding 1; the second with stride 2) each
/// followed by the activation, plus the checkpoint's sinusoidal positions, then pre-LayerNorm transformer layers and
/// a final LayerNorm — the shared `TransformerEncoder` (the BERT family's path: large GEMMs and the fused attention
/// kernel; reduced precision through `PrecisionConverter`).
struct WhisperEncoder: Sendable {
    let config: WhisperConfig
    /// Conv weights in the time-major `[out, kernel, in]` layout `Kernels.conv1d` reads.
    let conv1Weight: [Float], conv1Bias: Tensor
    let conv2Weight: [Float], conv2Bias: Tensor
    let positions: Tensor  // [maxSourcePositions, D]
    /// The pre-LayerNorm layers and the final `encoder.layer_norm`.
    let stack: TransformerEncoder

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
        let layers = try (0..<config.encoderLayers).map { l in
            let p = "encoder.layers.\(l)."
            func linear(_ name: String, bias: Bool = true) throws -> Linear {
                try weights.linear(p + name, in: d, out: d, bias: bias, because: because)
            }
            return EncoderLayer(
                query: try linear("self_attn.q_proj"), key: try linear("self_attn.k_proj", bias: false),
                value: try linear("self_attn.v_proj"), output: try linear("self_attn.out_proj"),
                norm1: try weights.layerNorm(p + "self_attn_layer_norm", width: d, epsilon: 1e-5, because: because),
                fc1: try weights.linear(p + "fc1", in: d, out: config.encoderFFN, because: because),
                fc2: try weights.linear(p + "fc2", in: config.encoderFFN, out: d, because: because),
                norm2: try weights.layerNorm(p + "final_layer_norm", width: d, epsilon: 1e-5, because: because))
        }
        stack = TransformerEncoder(
            config: EncoderConfig(
                hiddenSize: d, heads: config.encoderHeads, layers: config.encoderLayers,
                intermediateSize: config.encoderFFN, activation: config.activation, layerNormEpsilon: 1e-5,
                normPlacement: .pre),
            layers: layers,
            finalNorm: try weights.layerNorm("encoder.layer_norm", width: d, epsilon: 1e-5, because: because))
    }

    private init(_ other: WhisperEncoder, stack: TransformerEncoder) {
        config = other.config
        conv1Weight = other.conv1Weight
        conv1Bias = other.conv1Bias
        conv2Weight = other.conv2Weight
        conv2Bias = other.conv2Bias
        positions = other.positions
        self.stack = stack
    }

    /// The encoder with its transformer layers in the converter's precision (the conv stem stays fp32).
    func converted(_ converter: PrecisionConverter) throws -> WhisperEncoder {
        guard let converted = try stack.converted(converter) as? TransformerEncoder else {
            throw FuseError.invalidArgument(what: "Whisper encoder", reason: "precision conversion changed its type")
        }
        return WhisperEncoder(self, stack: converted)
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
        let convolved = UnsafeMutablePointer<Float>.allocate(capacity: frames * d)
        defer { convolved.deallocate() }
        var hidden = Tensor(zeros: [1, rows, d])
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
        }
        // In bf16/int8 oneDNN runs on the calling thread alone: a window is one sequence, and an OpenMP team's idle
        // thread would spin on the second core after every call, where the attention's workers need it.
        let reduced = stack.reducedSample != nil
        if reduced { Kernels.setReducedPrecisionThreadsForCallingThread(1) }
        defer { if reduced { Kernels.setReducedPrecisionThreadsForCallingThread(Kernels.coreCount) } }
        return try stack(hidden, mask: nil, causal: false).reshaped([rows, d])
    }
}
