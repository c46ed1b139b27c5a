import Foundation
import FuseCore

/// Where a Llama-architecture family keeps its MLP weights (the names differ between families and between the
/// per-expert layout and the merged 3-D layout newer transformers versions write).
struct DecoderWeightNames: Sendable {
    /// The sparse block's prefix inside a layer, with its dot (`"mlp."`, Mixtral's older `"block_sparse_moe."`).
    var sparse: String
    /// The router inside it.
    var router = "gate"
    /// Per-expert tensors `experts.{i}.<name>.weight`: gate, up, down.
    var expert = (gate: "gate_proj", up: "up_proj", down: "down_proj")
    /// Qwen2-MoE's shared expert and its gate, inside the sparse block.
    var sharedExpert = "shared_expert"
    var sharedExpertGate = "shared_expert_gate"

    static let llama = DecoderWeightNames(sparse: "mlp.")
}

/// A sparse mixture-of-experts MLP: a linear router scores every expert for each token, a softmax (fp32) turns the
/// scores into probabilities, each token goes to its `topK` most probable experts (probabilities renormalised when the
/// config says so), and the experts' outputs are summed with those weights; Qwen2-MoE adds a shared expert scaled by
/// `sigmoid(gate · x)`.
///
/// Tokens are grouped per expert, so each expert runs one GEMM chain over all its tokens of the batch instead of one
/// matrix-vector product per token.
struct MixtureOfExperts: Sendable {
    let router: Linear
    let experts: [SwiGLU]
    let topK: Int
    let normalizeTopK: Bool
    let shared: SwiGLU?
    let sharedGate: Linear?

    init(
        weights: Weights, prefix: String, config: MixtureOfExpertsConfig, hidden: Int, naming: DecoderWeightNames,
        because: String
    ) throws {
        let inner = config.intermediateSize
        router = try weights.linear(
            prefix + naming.router, in: hidden, out: config.count, bias: false, because: because)
        let merged = prefix + "experts.gate_up_proj"
        if weights.contains(merged) {
            // transformers ≥ 5 stores all experts in two 3-D tensors: gate_up_proj [E, 2·I, D] (gate rows, then up
            // rows) and down_proj [E, D, I].
            let gateUp = try weights.tensor(merged, shape: [config.count, 2 * inner, hidden], because: because)
            let down = try weights.tensor(
                prefix + "experts.down_proj", shape: [config.count, hidden, inner],
                because: because)
            experts = try (0..<config.count).map { e in
                try SwiGLU(
                    gate: Linear(weight: Self.slice(gateUp, expert: e, rows: 0..<inner)),
                    up: Linear(weight: Self.slice(gateUp, expert: e, rows: inner..<(2 * inner))),
                    down: Linear(weight: Self.slice(down, expert: e, rows: 0..<hidden)))
            }
        } else {
            experts = try (0..<config.count).map { e in
                try SwiGLU(
                    weights: weights, prefix: prefix + "experts.\(e).", names: naming.expert, hidden: hidden,
                    inner: inner, because: because)
            }
        }
        if let sharedSize = config.sharedExpertSize {
            shared = try SwiGLU(
                weights: weights, prefix: prefix + naming.sharedExpert + ".",
                names: ("gate_proj", "up_proj", "down_proj"), hidden: hidden, inner: sharedSize,
                because: because)
            sharedGate = try weights.linear(
                prefix + naming.sharedExpertGate, in: hidden, out: 1, bias: false,
                because: because)
        } else {
            shared = nil
            sharedGate = nil
        }
        topK = config.topK
        normalizeTopK = config.normalizeTopK
    }

    private init(
        router: Linear, experts: [SwiGLU], topK: Int, normalizeTopK: Bool, shared: SwiGLU?,
        sharedGate: Linear?
    ) {
        self.router = router
        self.experts = experts
        self.topK = topK
        self.normalizeTopK = normalizeTopK
        self.shared = shared
        self.sharedGate = sharedGate
    }

    /// The experts (and the shared expert) in `precision`; the router and the shared expert's gate stay fp32, so
    /// routing decisions do not move with quantization.
    func converted(to precision: Precision) throws -> MixtureOfExperts {
        MixtureOfExperts(
            router: router, experts: try experts.map { try $0.converted(to: precision) }, topK: topK,
            normalizeTopK: normalizeTopK, shared: try shared?.converted(to: precision),
            sharedGate: sharedGate)
    }

    /// Rows `rows` of expert `expert` of a 3-D `[experts, R, C]` tensor, as a `[rows.count, C]` matrix.
    static func slice(_ tensor: Tensor, expert: Int, rows: Range<Int>) -> Tensor {
        let columns = tensor.shape[2], stride = tensor.shape[1] * columns
        return Tensor(shape: [rows.count, columns]) { out in
            tensor.withUnsafeBufferPointer { all in
                out.baseAddress!.update(
                    from: all.baseAddress! + expert * stride + rows.lowerBound * columns,
                    count: rows.count * columns)
            }
        }
    }

    /// The experts' choice for each of `rows` tokens: `(expert, weight)` pairs, most probable first.
    func route(_ x: UnsafePointer<Float>, rows: Int) -> [[(expert: Int, weight: Float)]] {
        let count = experts.count
        let probabilities = UnsafeMutablePointer<Float>.allocate(capacity: rows * count)
        defer { probabilities.deallocate() }
        router.apply(x, rows: rows, output: probabilities)
        Kernels.softmaxRows(probabilities, rows: rows, columns: count)
        return (0..<rows).map { r in
            let row = probabilities + r * count
            // Highest probability first; equal probabilities keep the lower expert index first.
            let chosen = (0..<count).sorted { row[$0] != row[$1] ? row[$0] > row[$1] : $0 < $1 }.prefix(topK)
            var picks = chosen.map { (expert: $0, weight: row[$0]) }
            if normalizeTopK {
                let sum = picks.reduce(0) { $0 + $1.weight }
                picks = picks.map { ($0.expert, $0.weight / sum) }
            }
            return picks
        }
    }

    /// `rows` tokens of `x` `[rows, hidden]` → `output` `[rows, hidden]`.
    func apply(_ x: UnsafePointer<Float>, rows: Int, output: UnsafeMutablePointer<Float>) {
        let hidden = router.inFeatures
        let choices = route(x, rows: rows)
        var tokens = [[(row: Int, weight: Float)]](repeating: [], count: experts.count)
        for (r, picks) in choices.enumerated() {
            for pick in picks { tokens[pick.expert].append((r, pick.weight)) }
        }
        output.initialize(repeating: 0, count: rows * hidden)
        let gathered = UnsafeMutablePointer<Float>.allocate(capacity: rows * hidden)
        let result = UnsafeMutablePointer<Float>.allocate(capacity: rows * hidden)
        defer { gathered.deallocate(); result.deallocate() }
        // Experts in index order, each over all of its tokens at once (the order transformers accumulates in).
        for (e, mine) in tokens.enumerated() where !mine.isEmpty {
            for (i, token) in mine.enumerated() {
                (gathered + i * hidden).update(from: x + token.row * hidden, count: hidden)
            }
            experts[e].apply(gathered, rows: mine.count, output: result)
            for (i, token) in mine.enumerated() {
                let source = result + i * hidden, target = output + token.row * hidden
                for c in 0..<hidden { target[c] += token.weight * source[c] }
            }
        }
        if let shared, let sharedGate {
            shared.apply(x, rows: rows, output: result)
            var gates = [Float](repeating: 0, count: rows)
            gates.withUnsafeMutableBufferPointer { sharedGate.apply(x, rows: rows, output: $0.baseAddress!) }
            for r in 0..<rows {
                let scale = 1 / (1 + expf(-gates[r]))
                let source = result + r * hidden, target = output + r * hidden
                for c in 0..<hidden { target[c] += scale * source[c] }
            }
        }
    }
}
