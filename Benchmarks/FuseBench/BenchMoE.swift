import ArgumentParser
import Foundation
import FuseLLM

/// `fuse-bench moe`: a sparse mixture-of-experts LM's forward pass (prefill over whole sequences, logits over the
/// vocabulary) in tokens/s beside transformers in the same run, on a Mixtral-shaped checkpoint with seeded random
/// weights that this command writes as a Hugging Face folder, so that transformers loads the very same weights.
/// Peer: Benchmarks/peers/moe_transformers.py. Where the gain comes from: Fuse groups each batch's tokens per expert
/// and runs every expert as one GEMM chain over its tokens.
struct BenchMoE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moe", abstract: "Sparse MoE (Mixtral-shaped) forward tokens/s vs. transformers.")

    @Option(help: "Timed repetitions (after one warm-up).")
    var repeats = 3

    @Option(help: "Sequences of random token ids.")
    var sequences = 4

    @Option(help: "Tokens per sequence.")
    var length = 256

    @Option(help: "Batch size of the transformers peer (equal-length sequences, no padding).")
    var peerBatch = 4

    @Option(help: "Experts per sparse layer.")
    var experts = 8

    @Option(help: "Experts per token.")
    var topK = 2

    @Option(help: "Hidden width.")
    var hidden = 512

    @Option(help: "Each expert's inner width.")
    var intermediate = 1024

    @Option(help: "Decoder layers.")
    var layers = 4

    @Option(help: "Vocabulary size.")
    var vocabulary = 32000

    @Option(help: "A Python with torch and transformers for the peer; '' skips it.")
    var peerPython: String = BenchPeer.defaultPython

    func validate() throws {
        guard repeats >= 1, sequences >= 1, length >= 2, peerBatch >= 1, experts >= 1, topK >= 1, topK <= experts,
            hidden >= 8, hidden % 8 == 0, intermediate >= 1, layers >= 1, vocabulary >= 2
        else {
            throw ValidationError("sizes must be positive, --top-k ≤ --experts, --hidden a multiple of 8")
        }
    }

    func run() throws {
        let threads = Kernels.coreCount
        Kernels.setBLASThreads(threads)
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("fuse-bench-moe-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let folder = try RandomMixtral(
            experts: experts, topK: topK, hidden: hidden, intermediate: intermediate,
            layers: layers, vocabulary: vocabulary, positions: max(length, 64)
        )
        .write(into: scratch.appendingPathComponent("mixtral"))
        let lm = try CausalLMLoader.load(folder: folder)
        var generator = SplitMix64(seed: 8)
        let ids = (0..<(sequences * length)).map { _ in Int32(generator.next() % UInt64(vocabulary)) }
        let idsFile = scratch.appendingPathComponent("ids.i32")
        try ids.withUnsafeBytes { try Data($0).write(to: idsFile) }
        print("sparse MoE forward, \(threads) cores, median (best) of \(repeats); fp32")
        print(
            "model: Mixtral-shaped, \(layers) layers, hidden \(hidden), \(experts) experts × \(intermediate) inner, "
                + "top-\(topK), vocabulary \(vocabulary); \(sequences) × \(length) random tokens")

        var peer: (name: String, median: Double, best: Double)?
        let out = BenchPeer.run(
            python: peerPython, script: "moe_transformers.py",
            arguments: [
                "--model", folder.path, "--ids", idsFile.path, "--sequences", "\(sequences)", "--length", "\(length)",
                "--batch", "\(peerBatch)", "--threads", "\(threads)", "--repeats", "\(repeats)",
            ])
        if let first = out.results.first, let median = first["tokens_per_second"] as? Double,
            let best = first["best"] as? Double
        {
            peer = (out.name, median, best)
            print("peer: \(out.name)")
        }
        let fuse = try BenchEncoder.measure(repeats: repeats, items: ids.count) {
            for s in 0..<sequences {
                _ = try lm.logits(Array(ids[(s * length)..<((s + 1) * length)]), cache: lm.makeCache(capacity: length))
            }
        }
        let peerText =
            peer.map {
                String(
                    format: "transformers b=%d %.0f (%.0f)  ×%.2f", peerBatch, $0.median, $0.best,
                    fuse.0 / $0.median)
            } ?? "transformers: not run"
        print(
            String(
                format: "forward (prefill + logits): Fuse %.0f (%.0f) tokens/s | %@ | target ≥ ×1.5",
                fuse.0, fuse.1, peerText))
    }
}

/// A Mixtral-shaped checkpoint with seeded random weights, written as a Hugging Face folder in the per-expert layout
/// `save_pretrained` writes (config.json + model.safetensors).
struct RandomMixtral {
    let experts: Int, topK: Int, hidden: Int, intermediate: Int, layers: Int, vocabulary: Int, positions: Int

    func write(into folder: URL) throws -> URL {
        let heads = hidden / 64 >= 1 ? hidden / 64 : 1, kvHeads = max(heads / 4, 1), headDim = hidden / heads
        var generator = SplitMix64(seed: 7)
        func random(_ shape: [Int], scale: Float = 0.02) -> SafetensorsWriter.Payload {
            .float32(
                Tensor(shape: shape) { values in
                    for index in values.indices { values[index] = generator.nextSymmetric() * scale }
                })
        }
        func ones(_ count: Int) -> SafetensorsWriter.Payload {
            .float32(Tensor(shape: [count]) { $0.update(repeating: 1) })
        }
        var tensors: [(name: String, payload: SafetensorsWriter.Payload)] = [
            ("model.embed_tokens.weight", random([vocabulary, hidden])), ("model.norm.weight", ones(hidden)),
            ("lm_head.weight", random([vocabulary, hidden])),
        ]
        for l in 0..<layers {
            let p = "model.layers.\(l)."
            tensors += [
                (p + "input_layernorm.weight", ones(hidden)), (p + "post_attention_layernorm.weight", ones(hidden)),
                (p + "self_attn.q_proj.weight", random([heads * headDim, hidden])),
                (p + "self_attn.k_proj.weight", random([kvHeads * headDim, hidden])),
                (p + "self_attn.v_proj.weight", random([kvHeads * headDim, hidden])),
                (p + "self_attn.o_proj.weight", random([hidden, heads * headDim])),
                (p + "block_sparse_moe.gate.weight", random([experts, hidden], scale: 0.1)),
            ]
            for e in 0..<experts {
                let x = p + "block_sparse_moe.experts.\(e)."
                tensors += [
                    (x + "w1.weight", random([intermediate, hidden])),
                    (x + "w3.weight", random([intermediate, hidden])),
                    (x + "w2.weight", random([hidden, intermediate])),
                ]
            }
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try SafetensorsWriter.write(
            tensors, metadata: ["format": "pt"],
            to: folder.appendingPathComponent("model.safetensors"), overwrite: true)
        let config: [String: Any] = [
            "model_type": "mixtral", "architectures": ["MixtralForCausalLM"], "vocab_size": vocabulary,
            "hidden_size": hidden, "intermediate_size": intermediate, "num_hidden_layers": layers,
            "num_attention_heads": heads, "num_key_value_heads": kvHeads, "num_local_experts": experts,
            "num_experts_per_tok": topK, "max_position_embeddings": positions, "rms_norm_eps": 1e-5,
            "rope_theta": 1e6, "tie_word_embeddings": false, "hidden_act": "silu", "bos_token_id": 1, "eos_token_id": 2,
        ]
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
            .write(to: folder.appendingPathComponent("config.json"))
        return folder
    }
}
