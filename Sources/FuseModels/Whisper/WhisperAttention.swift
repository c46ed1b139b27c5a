import FuseCore

/// One Whisper attention module (`WhisperAttention`): query, value and output projections with biases, the key
/// projection without one; queries scaled by `headDim^-½` (the attention kernel's default scale).
struct WhisperAttention: Sendable {
    let query: Linear, key: Linear, value: Linear, output: Linear
    let heads: Int
    var width: Int { query.outFeatures }
    var headDim: Int { width / heads }

    init(_ weights: Weights, _ name: String, width: Int, heads: Int, because: String) throws {
        query = try weights.linear(name + ".q_proj", in: width, out: width, because: because)
        key = try weights.linear(name + ".k_proj", in: width, out: width, bias: false, because: because)
        value = try weights.linear(name + ".v_proj", in: width, out: width, because: because)
        output = try weights.linear(name + ".out_proj", in: width, out: width, because: because)
        self.heads = heads
    }

    /// Attention of `queryRows` query rows (already projected, at `q`) over `keyRows` projected keys and values,
    /// then the output projection into `result`. `scratch` holds `queryRows · width` floats.
    func attend(
        q: UnsafePointer<Float>, queryRows: Int, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
        keyRows: Int, causal: Bool, scratch: UnsafeMutablePointer<Float>, result: UnsafeMutablePointer<Float>
    ) {
        Kernels.scaledDotProductAttention(
            query: q, key: keys, value: values, output: scratch, batch: 1, heads: heads, queryLength: queryRows,
            keyLength: keyRows, headDim: headDim, causal: causal)
        output.apply(scratch, rows: queryRows, output: result)
    }
}

/// The feed-forward half of a Whisper layer: `fc2(act(fc1(x)))`.
struct WhisperFeedForward: Sendable {
    let up: Linear, down: Linear
    let activation: Activation

    init(_ weights: Weights, _ name: String, width: Int, inner: Int, activation: Activation, because: String) throws {
        up = try weights.linear(name + "fc1", in: width, out: inner, because: because)
        down = try weights.linear(name + "fc2", in: inner, out: width, because: because)
        self.activation = activation
    }

    /// `rows` rows from `x` into `result`; `hidden` holds `rows · inner` floats.
    func apply(
        _ x: UnsafePointer<Float>, rows: Int, hidden: UnsafeMutablePointer<Float>, result: UnsafeMutablePointer<Float>
    ) {
        up.apply(x, rows: rows, output: hidden, activation: activation)
        down.apply(hidden, rows: rows, output: result)
    }
}
