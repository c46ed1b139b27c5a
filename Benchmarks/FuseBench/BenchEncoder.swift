import ArgumentParser
import Foundation
import Fuse
import FuseCore
import FuseTokenizers

/// `fuse bench encoder`: transformer encoder throughput beside PyTorch in the same run — ViT-B/16 at 224²
/// (random weights generated here, so nothing is downloaded) at batch 1 and 8, all-MiniLM-L6-v2 embedding
/// sentences at batch 32 (tokenisation included on both sides), and with `--family hubert` a random hubert-base on
/// 10 s clips at batch 1 and 4 (BenchHuBERT.swift). Peers: Benchmarks/peers/encoder_*.py.
/// `--family modernbert|deberta` instead measures a base-size random ModernBERT (unpadded and padded) or DeBERTa-v3
/// on one mixed-length batch (`EncoderFamilyBench`).
struct BenchEncoder: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encoder",
        abstract: "ViT-B/16 img/s, MiniLM sentences/s, HuBERT clips/s vs. PyTorch (use a release build).")

    @Option(help: "Timed repetitions per measurement (after one warm-up).")
    var repeats: Int = 5

    @Option(help: "all-MiniLM-L6-v2 folder (tools/setup_models.sh puts it at models/all-MiniLM-L6-v2).")
    var minilm: String = "models/all-MiniLM-L6-v2"

    @Option(help: "Sentences for the MiniLM measurement.")
    var sentences: Int = 1000

    @Option(help: "A Python with torch, transformers and sentence-transformers for the peers; '' skips them.")
    var peerPython: String = BenchPeer.defaultPython

    @Option(help: "Run only 'vit' or only 'minilm' (default: both).")
    var only: String?

    @Option(
        help: "Fuse's precision: fp32, bf16, int8 or auto; reduced precisions also print their accuracy against fp32.")
    var precision: String = "fp32"

    @Option(
        help: ArgumentHelp(
            "Run one family: 'vit', 'minilm' or 'hubert' (hubert runs only with this option), or "
                + "measure a base-size random 'modernbert' or 'deberta' (v3) on one mixed-length batch."))
    var family: String?

    @Option(help: "With --family: layers of the random model (default: the base model's, 22 or 12).")
    var layers: Int?

    @Option(help: "With --family: sequences in the batch.")
    var batch: Int = 8

    @Option(help: "With --family: the longest sequence (lengths are drawn from 16 to this).")
    var maxLength: Int = 384

    func validate() throws {
        guard only == nil || only == "vit" || only == "minilm" else {
            throw ValidationError("--only takes 'vit' or 'minilm'")
        }
        guard family == nil || ["vit", "minilm", "hubert", "modernbert", "deberta"].contains(family!) else {
            throw ValidationError("--family takes 'vit', 'minilm', 'hubert', 'modernbert' or 'deberta'")
        }
        guard batch >= 1, maxLength >= 16, (layers ?? 1) >= 1 else {
            throw ValidationError("--batch and --layers must be ≥ 1, --max-length ≥ 16")
        }
        guard repeats >= 1, sentences >= 1 else { throw ValidationError("--repeats and --sentences must be ≥ 1") }
        _ = try Precision(name: precision)
    }

    func run() async throws {
        let threads = Kernels.coreCount
        Kernels.setBLASThreads(threads)
        let chosen = try Precision(name: precision).resolved
        print(
            "encoder throughput, \(threads) cores, median (best) of \(repeats); Fuse \(chosen) on "
                + "\(ComputeCapabilities.current)")
        if let family, family == "modernbert" || family == "deberta" {
            try EncoderFamilyBench(
                family: family, layers: layers, batch: batch, maxLength: maxLength, repeats: repeats,
                threads: threads, precision: chosen, peerPython: peerPython
            ).run()
            return
        }
        let ceiling = ComputeCeiling.measure()
        print(String(format: "fp32 GEMM ceiling (1024³, best of 5): %.1f GFLOP/s", ceiling.gemmGFLOPS))
        if family == "hubert" { return try benchHuBERT(threads: threads, ceiling: ceiling) }
        let only = family ?? self.only
        if only != "minilm" { try benchViT(threads: threads, ceiling: ceiling) }
        if only != "vit" { try benchMiniLM(threads: threads, ceiling: ceiling) }
    }

    func benchViT(threads: Int, ceiling: ComputeCeiling) throws {
        let resetWorked = ResidentMemory.resetPeak()
        let beforeViT = ResidentMemory.read()
        let exactViT = try RandomViT.base16()
        let chosen = try Precision(name: precision).resolved
        var vit = exactViT
        do { vit = try exactViT.converted(to: chosen) } catch { print("note: \(error); ViT runs fp32") }
        var peerViT: [Int: (Double, Double)] = [:]
        for line in runPeer(
            "encoder_vit.py",
            [
                "--threads", "\(threads)", "--batches", "1", "8",
                "--repeats", "\(repeats)",
            ])
        {
            if let batch = line["batch"] as? Int, let median = line["images_per_second"] as? Double,
                let best = line["best"] as? Double
            {
                peerViT[batch] = (median, best)
            }
        }
        // ONNX Runtime fp32 and dynamic int8 (per-tensor and per-channel) on the same architecture, same run.
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-bench-vit-ort-\(getpid())")
        defer { try? FileManager.default.removeItem(at: work) }
        let ort = runPeer(
            "encoder_vit_ort.py",
            ["--threads", "\(threads)", "--batches", "1", "8", "--repeats", "\(repeats)", "--work", work.path])
        for (batch, target) in [(1, 6.0), (8, 8.0)] {
            let rate = try vit.imagesPerSecond(batch: batch, repeats: repeats)
            report("ViT-B/16 224² b=\(batch)", unit: "img/s", fuse: rate, peer: peerViT[batch], target: target)
            Self.printONNXRuntimePeers(
                ort.filter { $0["batch"] as? Int == batch }, rateKey: "images_per_second", unit: "img/s",
                digits: 2, fuse: rate.0, cosineOf: "CLS cosine")
            print(
                ceiling.describe(
                    itemsPerSecond: rate.0, flopsPerItem: TransformerFLOPs.vitBase16PerImage,
                    targetItemsPerSecond: target))
        }
        print(
            "ViT-B/16 memory: "
                + ResidentMemory.report(
                    before: beforeViT, weightBytes: vit.parameterCount * 4,
                    resetWorked: resetWorked))
        if vit.tower.encoder.reducedSample != nil {
            let images = try RandomViT.images(count: 16, seed: 99)
            let exact = try (0..<16).map { try exactViT.tower([images[$0]]).embeddings.scalars }
            let reduced = try (0..<16).map { try vit.tower([images[$0]]).embeddings.scalars }
            print(
                PrecisionAccuracy(reference: exact, candidate: reduced).report(
                    label: "ViT-B/16 (random weights) CLS \(chosen) vs fp32 (16 images)"))
        }
    }

    func benchMiniLM(threads: Int, ceiling: ComputeCeiling) throws {
        let folder = URL(fileURLWithPath: minilm)
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.safetensors").path) else {
            print("MiniLM: skipped, no model at \(minilm) (run tools/setup_models.sh)")
            return
        }
        let resetWorked = ResidentMemory.resetPeak()
        let before = ResidentMemory.read()
        let weightsFile = folder.appendingPathComponent("model.safetensors").path
        let weightBytes = (try? FileManager.default.attributesOfItem(atPath: weightsFile))?[.size] as? Int
        let runtime = try FuseRuntime(modelDirectory: folder, precision: Precision(name: precision))
        if let note = runtime.model.precisionNote { print("note: \(note)") }
        let texts = Self.sentences(count: sentences)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-bench-sentences.txt")
        try texts.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        var peer: (Double, Double)?
        if let line = runPeer(
            "encoder_minilm.py",
            [
                "--model", folder.path, "--sentences", file.path, "--threads", "\(threads)", "--batch", "32",
                "--repeats", "\(min(repeats, 3))",
            ]
        ).first, let median = line["sentences_per_second"] as? Double, let best = line["best"] as? Double {
            peer = (median, best)
        }
        // ONNX Runtime fp32 and dynamic int8 (per-tensor and per-channel) on the same sentences, same run.
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-bench-ort-\(getpid())")
        defer { try? FileManager.default.removeItem(at: work) }
        let ort = runPeer(
            "encoder_minilm_ort.py",
            [
                "--model", folder.path, "--sentences", file.path, "--threads", "\(threads)", "--batch", "32",
                "--repeats", "\(min(repeats, 3))", "--work", work.path,
            ])
        _ = try runtime.plugin(for: .text)
        let samples = texts.map { Sample.text($0) }
        // Tokenisation, length-sorted batching of 32 and the forward passes, as sentence-transformers' encode does.
        let rate = try Self.measure(repeats: min(repeats, 3), items: texts.count) {
            _ = try runtime.embed(samples: samples)
        }
        report(
            "all-MiniLM-L6-v2 b=32 (\(texts.count) sentences, \(runtime.model.precision)"
                + (runtime.model.kernel.isEmpty ? "" : ", \(runtime.model.kernel)") + ")", unit: "sentences/s",
            fuse: rate, peer: peer, target: 400)
        Self.printONNXRuntimePeers(
            ort, rateKey: "sentences_per_second", unit: "sentences/s", digits: 1, fuse: rate.0, cosineOf: "cosine")
        // Before the fp32 reference below loads a second model into this process.
        if let weightBytes {
            print(
                "all-MiniLM-L6-v2 memory (F32 safetensors, memory-mapped): "
                    + ResidentMemory.report(before: before, weightBytes: weightBytes, resetWorked: resetWorked))
        }
        if runtime.model.precision != .fp32 {
            let exact = try FuseRuntime(modelDirectory: folder).embed(samples: samples)
            let reduced = try runtime.embed(samples: samples)
            print(
                PrecisionAccuracy(reference: exact.map(\.vector), candidate: reduced.map(\.vector)).report(
                    label: "all-MiniLM-L6-v2 \(runtime.model.precision) vs fp32 (\(texts.count) sentences)"))
        }
        if let flops = try? Self.miniLMFLOPs(folder: folder, texts: texts, batch: 32) {
            print(
                ceiling.describe(
                    itemsPerSecond: rate.0, flopsPerItem: flops / Double(texts.count),
                    targetItemsPerSecond: 400))
        }
    }

    func report(_ label: String, unit: String, fuse: (Double, Double), peer: (Double, Double)?, target: Double) {
        let peerText = peer.map { String(format: "torch %.1f (%.1f)", $0.0, $0.1) } ?? "torch: not run"
        let speedup = peer.map { String(format: "  ×%.2f", fuse.0 / $0.0) } ?? ""
        print(
            String(
                format: "%@: Fuse %.1f (%.1f) %@ | %@%@ | target ≥ %.0f", label, fuse.0, fuse.1, unit, peerText,
                speedup, target))
        BenchPeer.flush()
    }

    /// Median and best items per second of `body` over `repeats` timed runs after one warm-up.
    static func measure(
        repeats: Int, items: Int, warmUp: Bool = true, _ body: () throws -> Void
    ) throws -> (Double, Double) {
        if warmUp { try body() }
        var rates: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            rates.append(Double(items) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
        }
        rates.sort()
        return (rates[rates.count / 2], rates.last ?? 0)
    }

    /// The encoder's FLOPs for `texts` in length-sorted batches of `batch`, each padded to its longest text (the
    /// work sentence-transformers and Fuse both do); tokenisation itself is not counted.
    static func miniLMFLOPs(folder: URL, texts: [String], batch: Int) throws -> Double {
        let config = try JSONSerialization.jsonObject(
            with: FileContents.data(at: folder.appendingPathComponent("config.json")))
        guard let config = config as? [String: Any], let layers = config["num_hidden_layers"] as? Int,
            let width = config["hidden_size"] as? Int, let mlp = config["intermediate_size"] as? Int
        else {
            throw ValidationError("\(folder.path)/config.json: no num_hidden_layers / hidden_size / intermediate_size")
        }
        let tokenizer = try Tokenizer.load(from: folder.appendingPathComponent("tokenizer.json"))
        // tokenizer.json may pad every text to a fixed length (all-MiniLM-L6-v2: 128); the runtime does not.
        let lengths = try texts.map { try tokenizer.encode($0).attentionMask.reduce(0) { $0 + Int($1) } }.sorted()
        return stride(from: 0, to: lengths.count, by: batch).reduce(0.0) { total, start in
            let slice = lengths[start..<min(start + batch, lengths.count)]
            let longest = slice.max() ?? 0
            return total + Double(slice.count)
                * TransformerFLOPs.stack(layers: layers, width: width, mlp: mlp, tokens: longest, attended: longest)
        }
    }

    /// Deterministic English-like sentences of varied length (the peer embeds the same list).
    static func sentences(count: Int) -> [String] {
        let subjects = [
            "A man", "The woman", "A small child", "My neighbour's dog", "An old astronaut", "The chef",
            "Two cats", "A red bird", "The orchestra", "A tired student",
        ]
        let verbs = [
            "is eating", "photographs", "walks past", "sings about", "carefully repairs", "dreams of",
            "paints", "listens to",
        ]
        let objects = [
            "a plate of food", "the rocket on the launch pad", "a quiet street in the rain",
            "the sound of waves at night", "an old bicycle with a broken chain", "a cup of coffee",
            "the city skyline", "a song from their childhood that nobody else remembers",
        ]
        return (0..<count).map { index in
            let tail = index % 3 == 0 ? ", while the sun sets slowly behind the hills" : ""
            return "\(subjects[index % subjects.count]) \(verbs[(index / 10) % verbs.count]) "
                + "\(objects[(index / 80) % objects.count])\(tail) (\(index))."
        }
    }

    func runPeer(_ script: String, _ arguments: [String]) -> [[String: Any]] {
        BenchPeer.lines(python: peerPython, script: script, arguments: arguments)
    }
}

/// ViT-B/16 at 224² (width 768, 12 heads, 12 layers, MLP 3072, 196 patches + CLS) with seeded random weights,
/// built from the same encoder and patch embedder the ViT family uses.
struct RandomViT {
    let tower: Tower
    /// Weights and biases, all Float32.
    let parameterCount: Int

    static func base16() throws -> RandomViT {
        var generator = SplitMix64(seed: 16)
        var parameters = 0
        let (width, hidden) = (768, 3072)
        func random(_ shape: [Int], scale: Float = 0.02) -> Tensor {
            parameters += shape.reduce(1, *)
            return Tensor(shape: shape) { values in
                for index in values.indices { values[index] = generator.nextSymmetric() * scale }
            }
        }
        func linear(_ inputs: Int, _ outputs: Int) throws -> Linear {
            try Linear(weight: random([outputs, inputs]), bias: random([outputs]))
        }
        func norm() -> LayerNormWeights {
            parameters += 2 * width
            return LayerNormWeights(
                weight: Tensor(shape: [width]) { $0.update(repeating: 1) }, bias: Tensor(zeros: [width]),
                epsilon: 1e-12)
        }
        let config = EncoderConfig(
            hiddenSize: width, heads: 12, layers: 12, intermediateSize: hidden,
            activation: .gelu, layerNormEpsilon: 1e-12, normPlacement: .pre)
        let layers = try (0..<12).map { _ in
            EncoderLayer(
                query: try linear(width, width), key: try linear(width, width), value: try linear(width, width),
                output: try linear(width, width), norm1: norm(), fc1: try linear(width, hidden),
                fc2: try linear(hidden, width), norm2: norm())
        }
        let embedder = try PatchEmbedder(
            modality: .image, convolutionWeight: random([width, 3, 16, 16]),
            bias: random([width]), prefix: random([1, width]),
            positions: random([197, width]))
        let encoder = TransformerEncoder(config: config, layers: layers, finalNorm: norm())
        return RandomViT(
            tower: Tower(modality: .image, embedder: embedder, encoder: encoder, pooling: .cls),
            parameterCount: parameters)
    }

    /// The same ViT computing in `precision`.
    func converted(to precision: Precision) throws -> RandomViT {
        RandomViT(tower: try tower.converted(to: precision), parameterCount: parameterCount)
    }

    /// `count` images of seeded random patch features.
    static func images(count: Int, seed: UInt64) throws -> [Tokens] {
        var generator = SplitMix64(seed: seed)
        return try (0..<count).map { _ in
            try Tokens(
                modality: .image,
                content: .features(
                    Tensor(shape: [196, 768]) { values in
                        for index in values.indices { values[index] = generator.nextSymmetric() }
                    }))
        }
    }

    /// Images per second (median, best) for batches of `batch` 224² images, from patch features to pooled output.
    func imagesPerSecond(batch: Int, repeats: Int) throws -> (Double, Double) {
        let images = try Self.images(count: batch, seed: UInt64(batch))
        return try BenchEncoder.measure(repeats: repeats, items: batch) { _ = try tower(images) }
    }
}

extension BenchEncoder {
    /// One line per ONNX Runtime variant the peer printed (`variant`, the median and best of `rateKey`, cosine to
    /// torch fp32): its rate, Fuse's ratio to it, and its accuracy.
    static func printONNXRuntimePeers(
        _ lines: [[String: Any]], rateKey: String, unit: String, digits: Int, fuse: Double, cosineOf: String
    ) {
        for line in lines {
            guard let variant = line["variant"] as? String, let median = line[rateKey] as? Double,
                let best = line["best"] as? Double, let mean = line["cosine_mean"] as? Double,
                let worst = line["cosine_worst"] as? Double
            else { continue }
            let rates = String(format: "%.\(digits)f (%.\(digits)f)", median, best)
            let retrieval = (line["top1_unchanged"] as? Double).map {
                String(format: "; top-1 retrieval unchanged for %.1f%%", $0)
            }
            print(
                String(
                    format: "  peer %@: %@ %@  Fuse ×%.2f; %@ to torch fp32 mean %.5f, worst %.5f%@", variant, rates,
                    unit, fuse / median, cosineOf, mean, worst, retrieval ?? ""))
        }
    }
}
