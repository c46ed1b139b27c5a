import ArgumentParser
import Foundation
import Fuse

/// `fuse bench fusion`: what fusing costs on top of embedding. End to end (files → outputs, the main job) for
/// no fusion, late fusion (mean, attention) and early fusion against embedding the same files alone; then the model
/// stage alone (pre-tokenised inputs) beside PyTorch running the same model folder (Benchmarks/peers/fusion_peer.py);
/// then the late-fusion step by itself. Groups are the bundled samples/manifest.jsonl groups, repeated.
struct BenchFusion: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fusion", abstract: "Fusion overhead over embedding alone, beside PyTorch (use a release build).")

    @Option(help: "A Meta-Transformer-format model folder (every tower on one encoder).")
    var model: String = "Tests/Fixtures/models/meta"

    @Option(help: "Groups per measurement (the sample groups, repeated).")
    var groups: Int = 64

    @Option(help: "Timed repetitions per measurement (after one warm-up).")
    var repeats: Int = 3

    @Option(help: "A Python with torch for the peer; '' skips it.")
    var peerPython: String = ProcessInfo.processInfo.environment["FUSE_PEER_PYTHON"] ?? "python3"

    func validate() throws {
        guard groups >= 1, repeats >= 1 else { throw ValidationError("--groups and --repeats must be ≥ 1") }
    }

    func run() async throws {
        Kernels.setBLASThreads(Kernels.coreCount)
        let runtime = try FuseRuntime(modelDirectory: URL(fileURLWithPath: model))
        let groups = try benchGroups(runtime)
        let files = groups.flatMap(\.inputs)
        print(
            "fusion overhead, model \(runtime.model.id), \(groups.count) groups of "
                + "\(groups[0].inputs.count) inputs (\(files.count) files), \(Kernels.coreCount) cores, median of \(repeats)"
        )

        print("\nend to end (decode + tokenise + model + fusion), groups/s:")
        let alone = try await median { _ = try await runtime.embed(files: files) }
        line("FuseRuntime.embed(files:)", rate: Double(groups.count) / alone, reference: nil)
        // The job without fusion is the baseline: same decoding, chunking and batching, no fusion step.
        var baseline: Double?
        let modes: [(String, FusionMode, LateFusionStrategy)] = [
            ("job, fusion none", .none, .mean), ("job, late mean", .late, .mean),
            ("job, late attention", .late, .attention(temperature: 0.1)), ("job, early", .early, .mean),
        ]
        for (name, fusion, strategy) in modes {
            let job = FuseJob(
                runtime: runtime,
                options: JobOptions(
                    source: .groups(groups), fusion: fusion,
                    strategy: strategy))
            let rate = Double(groups.count) / (try await median { _ = try await job.run() })
            line(name, rate: rate, reference: baseline)
            if baseline == nil { baseline = rate }
        }

        print("\nmodel stage only (pre-tokenised), groups/s:")
        let inputs = try tokenised(groups, runtime: runtime)
        let peer = try peerFigures(inputs)
        let separate = try await median { _ = try separately(inputs, model: runtime.model) }
        line("separate (no fusion)", rate: Double(groups.count) / separate, reference: nil, peer: peer["separate"])
        let late = try await median {
            for group in try separately(inputs, model: runtime.model) {
                _ = try LateFusion.fuse(group, strategy: .mean)
            }
        }
        line(
            "late mean", rate: Double(groups.count) / late, reference: Double(groups.count) / separate,
            peer: peer["late"])
        let early = try await median {
            for start in stride(from: 0, to: inputs.count, by: 8) {
                _ = try EarlyFusion.fuse(Array(inputs[start..<min(start + 8, inputs.count)]), model: runtime.model)
            }
        }
        line(
            "early", rate: Double(groups.count) / early, reference: Double(groups.count) / separate,
            peer: peer["early"])

        print("\nthe late-fusion step alone (per group):")
        let embedded = try separately(inputs, model: runtime.model)
        for strategy: LateFusionStrategy in [.mean, .max, .attention(temperature: 0.1)] {
            let time = try await median(repeats: max(repeats, 5)) {
                for group in embedded { _ = try LateFusion.fuse(group, strategy: strategy) }
            }
            print(
                "  " + strategy.name.padding(toLength: 24, withPad: " ", startingAt: 0)
                    + String(format: " %9.2f µs", time / Double(embedded.count) * 1e6))
        }
    }

    /// The sample manifest's groups, keeping the inputs this model and its plugins can read, repeated to `groups`.
    func benchGroups(_ runtime: FuseRuntime) throws -> [InputGroup] {
        let candidates = [
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(
                "samples/manifest.jsonl"),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("samples/manifest.jsonl"),
        ]
        guard let manifest = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            throw ValidationError("cannot find samples/manifest.jsonl; run from the repository root")
        }
        var usable: [InputGroup] = []
        for group in try GroupManifest.read(manifest) {
            let inputs = group.inputs.filter { file in
                guard let plugin = try? runtime.registry.plugin(for: file) else { return false }
                return runtime.model.towers[plugin.modality] != nil
            }
            if inputs.count >= 2 {
                usable.append(InputGroup(name: group.name, inputs: inputs))
            }
        }
        let sizes = Dictionary(grouping: usable, by: \.inputs.count)
        guard let common = sizes.max(by: { $0.value.count < $1.value.count })?.value, !common.isEmpty else {
            throw ValidationError("no sample group has two inputs this model reads")
        }
        return (0..<groups).map {
            InputGroup(name: "\(common[$0 % common.count].name)-\($0)", inputs: common[$0 % common.count].inputs)
        }
    }

    func tokenised(_ groups: [InputGroup], runtime: FuseRuntime) throws -> [[FusionInput]] {
        try groups.map { group in
            try group.inputs.map { file in
                let plugin = try runtime.registry.plugin(for: file)
                let windows = try plugin.tokenize(
                    plugin.decode(contentsOf: file),
                    context: runtime.preprocessingContext(for: plugin.modality))
                // The first window only, as the peer runs one sequence per input.
                return FusionInput(
                    source: file.path, modality: plugin.modality, pluginID: plugin.id,
                    windows: Array(windows.prefix(1)))
            }
        }
    }

    /// Every input's windows through its tower, 8 per batch per modality, as unit embeddings grouped back.
    func separately(_ inputs: [[FusionInput]], model: EncoderModel) throws -> [[Embedding]] {
        var out = inputs.map { $0.map { Embedding(vector: [], modality: $0.modality, modelID: model.id) } }
        let positions = inputs.indices.flatMap { g in inputs[g].indices.map { (g, $0) } }
        for (modality, members) in Dictionary(grouping: positions, by: { inputs[$0.0][$0.1].modality }) {
            for start in stride(from: 0, to: members.count, by: 8) {
                let batch = Array(members[start..<min(start + 8, members.count)])
                let rows = try model.run(batch.map { inputs[$0.0][$0.1].windows[0] }, modality: modality).embeddings
                for (offset, (g, i)) in batch.enumerated() {
                    let vector = try rows.rows(offset..<(offset + 1)).scalars
                    let norm = max(vector.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
                    out[g][i] = Embedding(vector: vector.map { $0 / norm }, modality: modality, modelID: model.id)
                }
            }
        }
        return out
    }

    func peerFigures(_ inputs: [[FusionInput]]) throws -> [String: Double] {
        guard !peerPython.isEmpty else { return [:] }
        let shapes = inputs[0].map { "\($0.modality.name):\($0.windows[0].count)" }
        let peer = BenchPeer.run(
            python: peerPython, script: "fusion_peer.py",
            arguments: [
                "--model", model, "--groups", "\(inputs.count)", "--repeats", "\(repeats)",
                "--threads", "\(Kernels.coreCount)",
            ] + shapes.flatMap { ["--shape", $0] })
        print("  (peer: \(peer.name), random features of the same shapes: \(shapes.joined(separator: ", ")))")
        var figures: [String: Double] = [:]
        for result in peer.results {
            if let mode = result["mode"] as? String, let rate = result["groups_per_second"] as? Double {
                figures[mode] = rate
            }
        }
        return figures
    }

    func median(repeats: Int? = nil, _ body: () async throws -> Void) async throws -> Double {
        try await body()
        var times: [Double] = []
        for _ in 0..<(repeats ?? self.repeats) {
            let start = Date()
            try await body()
            times.append(Date().timeIntervalSince(start))
        }
        return times.sorted()[times.count / 2]
    }

    func line(_ name: String, rate: Double, reference: Double?, peer: Double? = nil) {
        var text = "  " + name.padding(toLength: 26, withPad: " ", startingAt: 0) + String(format: " %9.1f", rate)
        if let reference { text += String(format: "   overhead %+6.1f%%", (reference / rate - 1) * 100) }
        if let peer { text += String(format: "   torch %9.1f  (Fuse %.2f×)", peer, rate / peer) }
        print(text)
    }
}
