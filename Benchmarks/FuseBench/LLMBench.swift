import ArgumentParser
import Foundation
import Fuse
import FuseLLM

/// `fuse bench llm`: FuseLLM's two heavy stages beside Python in the same run.
///
/// - Distribution extraction (`fuse llm logits`' inner loop: forward pass, top-k, metric_ce) on a GPT-2-small-shaped
///   model (124M parameters, vocabulary 50257) with seeded random weights, which this command writes as a Hugging
///   Face folder so that transformers loads the very same weights. Peer: Benchmarks/peers/llm_transformers.py.
/// - Alignment (`fuse llm align`'s inner loop: DTW + per-step transform, soft mode) of about a million base tokens
///   between the two fixture tokenizers of different families (byte-level BPE and Metaspace), the source top-k
///   being seeded random ids. Peer: FuseLLM's algorithm in Python (tools/reference/llm_fusellm.py with
///   `editdistance`) on the first few sequences.
struct BenchLLM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "llm",
        abstract: "FuseLLM distribution extraction tokens/s and alignment time vs. transformers / FuseLLM.")

    @Option(help: "Timed repetitions per measurement (after one warm-up).")
    var repeats = 3

    @Option(help: "Sequences of random token ids for the extraction measurement.")
    var sequences = 4

    @Option(help: "Tokens per sequence.")
    var length = 512

    @Option(help: "Batch size of the transformers peer (equal-length sequences, no padding).")
    var peerBatch = 4

    @Option(help: "An existing GPT-2 folder to measure instead of the random GPT-2-small one.")
    var model: String?

    @Option(help: "Base tokens to align.")
    var alignTokens = 1_000_000

    @Option(help: "The base model folder whose tokenizer the alignment uses.")
    var alignBase = "Tests/Fixtures/llm/gpt2-a"

    @Option(help: "The source model folder whose tokenizer the alignment uses.")
    var alignSource = "Tests/Fixtures/llm/llama-b"

    @Option(help: "Sequences the (slow) Python alignment peer runs.")
    var peerAlignSequences = 4

    @Option(help: "Fuse's precision for the extraction: fp32, bf16, int8 or auto (the peer runs fp32).")
    var precision: String = "fp32"

    @Option(help: "A Python with torch, transformers and editdistance for the peer; '' skips it.")
    var peerPython: String = ProcessInfo.processInfo.environment["FUSE_PEER_PYTHON"] ?? "python3"

    func validate() throws {
        guard repeats >= 1, sequences >= 1, length >= 2, peerBatch >= 1, alignTokens >= 1 else {
            throw ValidationError("--repeats, --sequences, --peer-batch and --align-tokens must be ≥ 1, --length ≥ 2")
        }
    }

    func run() throws {
        let threads = Kernels.coreCount
        Kernels.setBLASThreads(threads)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "fuse-bench-llm-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        print("FuseLLM throughput, \(threads) cores, median (best) of \(repeats); fp32")
        let ceiling = ComputeCeiling.measure()
        print(String(format: "fp32 GEMM ceiling (1024³, best of 5): %.1f GFLOP/s", ceiling.gemmGFLOPS))

        let folder =
            try model.map { URL(fileURLWithPath: $0) }
            ?? RandomGPT2.small(into: scratch.appendingPathComponent("gpt2-small"))
        let lm = try CausalLMLoader.load(folder: folder, precision: Precision(name: precision))
        print("Fuse extraction precision: \(lm.precision) on \(ComputeCapabilities.current)")
        guard length <= lm.config.maxPositions else {
            throw ValidationError("--length \(length) exceeds the model's \(lm.config.maxPositions) positions")
        }
        var generator = SplitMix64(seed: 124)
        let ids = (0..<(sequences * length)).map { _ in Int32(generator.next() % UInt64(lm.config.vocabSize)) }
        let idsFile = scratch.appendingPathComponent("ids.i32")
        try ids.withUnsafeBytes { try Data($0).write(to: idsFile) }

        let alignment = try AlignmentBench(
            base: URL(fileURLWithPath: alignBase), source: URL(fileURLWithPath: alignSource),
            tokens: alignTokens)
        let alignFile = scratch.appendingPathComponent("align.json")
        try alignment.writePeerInput(to: alignFile, sequences: peerAlignSequences)

        var peer: (name: String, results: [String: (Double, Double)])?
        var ortAccuracy: [String: String] = [:]
        if !peerPython.isEmpty {
            let out = BenchPeer.run(
                python: peerPython, script: "llm_transformers.py",
                arguments: [
                    "--model", folder.path, "--ids", idsFile.path, "--sequences", "\(sequences)", "--length",
                    "\(length)",
                    "--batch", "\(peerBatch)", "--threads", "\(threads)", "--repeats", "\(repeats)",
                    "--align-json", alignFile.path, "--align-sequences", "\(peerAlignSequences)",
                ] + (model == nil ? ["--ort-work", scratch.appendingPathComponent("ort").path] : []))
            var results: [String: (Double, Double)] = [:]
            for line in out.results {
                if let what = line["what"] as? String, let median = line["tokens_per_second"] as? Double,
                    let best = line["best"] as? Double
                {
                    results[what] = (median, best)
                    if let overlap = line["topk_overlap"] as? Double, let change = line["metric_ce_change"] as? Double {
                        ortAccuracy[what] = String(
                            format: "top-10 overlap with torch fp32 %.2f of 10, metric_ce within %.2f %%", overlap,
                            100 * change)
                    }
                }
            }
            peer = (out.name, results)
        }
        if let peer { print("peer: \(peer.name)") }

        let extraction = try BenchEncoder.measure(repeats: repeats, items: ids.count) {
            for s in 0..<sequences {
                _ = try TopKReducer.distributions(model: lm, ids: Array(ids[(s * length)..<((s + 1) * length)]), k: 10)
            }
        }
        let shape = "\(lm.config.layers)L/\(lm.config.hiddenSize)d/vocab \(lm.config.vocabSize)"
        report(
            "extraction \(folder.lastPathComponent) (\(shape)), \(sequences)×\(length) tokens, top-10 + metric_ce",
            fuse: extraction, peer: peer?.results["extraction"], peerLabel: "transformers b=\(peerBatch)", target: 2)
        for variant in ["extraction-ort-fp32", "extraction-ort-int8"] {
            guard let rate = peer?.results[variant] else { continue }
            print(
                String(
                    format: "  peer ONNX Runtime %@ b=%d: %.0f (%.0f) tokens/s  Fuse ×%.2f; %@",
                    variant.hasSuffix("int8") ? "int8 (quantize_dynamic, per-tensor)" : "fp32", peerBatch, rate.0,
                    rate.1, extraction.0 / rate.0, ortAccuracy[variant] ?? ""))
        }
        let perToken = Self.flopsPerPosition(lm.config, attended: length)
        print(
            ceiling.describe(
                itemsPerSecond: extraction.0, flopsPerItem: perToken,
                targetItemsPerSecond: peer?.results["extraction"].map { 2 * $0.0 }))

        let aligned = try alignment.measure(repeats: repeats)
        report(
            "alignment \(alignment.baseName) ← \(alignment.sourceName) (soft), \(alignment.tokenCount) base tokens "
                + "in \(alignment.jobs.count) sequences", fuse: aligned, peer: peer?.results["alignment"],
            peerLabel: "FuseLLM (Python, \(min(peerAlignSequences, alignment.jobs.count)) seqs)", target: nil)
        print(
            String(format: "alignment of 1M base tokens: Fuse %.1f s", 1e6 / aligned.0)
                + (peer?.results["alignment"].map { String(format: " | FuseLLM %.0f s (extrapolated)", 1e6 / $0.0) }
                    ?? ""))
        print(
            String(
                format: "vocabulary mapping (MinED, %d × %d tokens): %.3f s", alignment.sourceVocabulary,
                alignment.baseVocabulary, alignment.mappingSeconds))
    }

    /// FLOPs of one position: Q/K/V/output projections (K and V at the key-value heads' width), the MLP (two
    /// matrices for GPT-2, three for Llama's SwiGLU), attention over `attended` positions (dense kernels compute
    /// them all), and the output projection over the whole vocabulary, which top-k and metric_ce both need.
    static func flopsPerPosition(_ c: CausalLMConfig, attended: Int) -> Double {
        let (w, kv) = (Double(c.hiddenSize), Double(c.keyValueHeads * c.headDim))
        let mlpMatrices: Double = c.modelType == "gpt2" ? 2 : 3
        let layer =
            2 * w * w + 2 * w * kv + mlpMatrices * w * Double(c.intermediateSize)
            + 2 * Double(attended) * Double(c.heads * c.headDim)
        return 2 * (Double(c.layers) * layer + w * Double(c.vocabSize))
    }

    func report(_ label: String, fuse: (Double, Double), peer: (Double, Double)?, peerLabel: String, target: Double?) {
        let peerText = peer.map { String(format: "%@ %.0f (%.0f)", peerLabel, $0.0, $0.1) } ?? "\(peerLabel): not run"
        let speedup = peer.map { String(format: "  ×%.2f", fuse.0 / $0.0) } ?? ""
        let targetText = target.map { String(format: " | target ≥ ×%.0f", $0) } ?? ""
        print(
            String(
                format: "%@: Fuse %.0f (%.0f) tokens/s | %@%@%@", label, fuse.0, fuse.1, peerText, speedup, targetText))
    }
}

/// A GPT-2-small-shaped checkpoint (12 layers, width 768, 12 heads, 1024 positions, vocabulary 50257) with seeded
/// random weights, written as a Hugging Face folder (config.json + model.safetensors, tied head).
enum RandomGPT2 {
    static func small(into folder: URL) throws -> URL {
        let (vocab, width, layers, positions) = (50257, 768, 12, 1024)
        var generator = SplitMix64(seed: 2)
        func random(_ shape: [Int], scale: Float = 0.02) -> Tensor {
            Tensor(shape: shape) { values in
                for index in values.indices { values[index] = generator.nextSymmetric() * scale }
            }
        }
        func constant(_ count: Int, _ value: Float) -> Tensor { Tensor(shape: [count]) { $0.update(repeating: value) } }
        var tensors: [(name: String, payload: SafetensorsWriter.Payload)] = [
            ("transformer.wte.weight", .float32(random([vocab, width]))),
            ("transformer.wpe.weight", .float32(random([positions, width], scale: 0.01))),
            ("transformer.ln_f.weight", .float32(constant(width, 1))),
            ("transformer.ln_f.bias", .float32(constant(width, 0))),
        ]
        for l in 0..<layers {
            let p = "transformer.h.\(l)."
            tensors += [
                (p + "ln_1.weight", .float32(constant(width, 1))), (p + "ln_1.bias", .float32(constant(width, 0))),
                (p + "attn.c_attn.weight", .float32(random([width, 3 * width]))),
                (p + "attn.c_attn.bias", .float32(random([3 * width]))),
                (p + "attn.c_proj.weight", .float32(random([width, width]))),
                (p + "attn.c_proj.bias", .float32(random([width]))),
                (p + "ln_2.weight", .float32(constant(width, 1))), (p + "ln_2.bias", .float32(constant(width, 0))),
                (p + "mlp.c_fc.weight", .float32(random([width, 4 * width]))),
                (p + "mlp.c_fc.bias", .float32(random([4 * width]))),
                (p + "mlp.c_proj.weight", .float32(random([4 * width, width]))),
                (p + "mlp.c_proj.bias", .float32(random([width]))),
            ]
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try SafetensorsWriter.write(
            tensors, metadata: ["format": "pt"], to: folder.appendingPathComponent("model.safetensors"),
            overwrite: true)
        let config: [String: Any] = [
            "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": vocab, "n_embd": width,
            "n_layer": layers, "n_head": 12, "n_positions": positions, "n_ctx": positions,
            "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5, "tie_word_embeddings": true,
            "bos_token_id": 50256, "eos_token_id": 50256,
        ]
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
            .write(to: folder.appendingPathComponent("config.json"))
        return folder
    }
}
