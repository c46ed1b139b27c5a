import ArgumentParser
import Foundation
import FuseTrain

/// `fuse-bench setfit`: SetFit training with all-MiniLM-L6-v2 on 8 examples × 2 classes — stage-1 steps per
/// second and end-to-end training time (both stages, model loading included, writing excluded from neither) —
/// beside the `setfit` package (torch CPU) on the same data, plus both held-out accuracies.
struct BenchSetFit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setfit",
        abstract: "SetFit training (MiniLM, 8×2 examples): stage-1 steps/s and total time beside the setfit package.")

    @Option(help: "all-MiniLM-L6-v2 folder (tools/setup_models.sh puts it at models/all-MiniLM-L6-v2).")
    var model = "models/all-MiniLM-L6-v2"

    @Option(help: "Training examples (8 per class).")
    var train = "samples/setfit/sentiment-train.jsonl"

    @Option(help: "Held-out examples for the accuracies.")
    var eval = "samples/setfit/sentiment-eval.jsonl"

    @Option(help: "Seed for both trainers.")
    var seed: UInt64 = 42

    @Option(help: "A Python with setfit (over torch and sentence-transformers) for the peer; '' skips it.")
    var peerPython: String = BenchPeer.defaultPython

    func run() throws {
        let loadBefore = Self.loadAverage()
        var options = SetFitOptions()
        options.seed = seed
        let output = FileManager.default.temporaryDirectory.appendingPathComponent(
            "fuse-bench-setfit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let start = Date()
        let trainer = try SetFitTrainer(body: URL(fileURLWithPath: model), options: options)
        let examples = try LabelledExamples.read(URL(fileURLWithPath: train))
        let evaluation = try LabelledExamples.read(URL(fileURLWithPath: eval))
        var firstStep: Date?, lastStep = Date()
        let result = try trainer.train(train: examples, evaluation: evaluation, output: output) { step, _, _ in
            if step == 1 { firstStep = Date() }
            lastStep = Date()
        }
        let total = Date().timeIntervalSince(start)
        // Steps after the first, over the time between the first and last step's ends (the first carries set-up).
        let stageSeconds = lastStep.timeIntervalSince(firstStep ?? start)
        let stepsPerSecond = result.steps > 1 ? Double(result.steps - 1) / stageSeconds : .nan
        print(
            "SetFit, \(examples.texts.count) examples, \(result.pairs) pairs, \(result.steps) steps of \(options.batchSize)"
        )
        print(
            String(
                format: "  fuse    stage 1 %.3f steps/s   total %.1f s   accuracy %.4f", stepsPerSecond, total,
                result.evaluationAccuracy ?? .nan))
        BenchPeer.flush()
        let peer = BenchPeer.lines(
            python: peerPython, script: "setfit_peer.py",
            arguments: ["--model", model, "--train", train, "--eval", eval, "--seed", String(seed)]
        ).first
        if let peer, let rate = peer["steps_per_s"] as? Double, let peerTotal = peer["total_s"] as? Double,
            let accuracy = peer["accuracy"] as? Double
        {
            print(
                String(
                    format: "  setfit  stage 1 %.3f steps/s   total %.1f s   accuracy %.4f", rate, peerTotal, accuracy))
            print(
                String(format: "  fuse / setfit: stage 1 ×%.2f, total ×%.2f", stepsPerSecond / rate, peerTotal / total))
        }
        // Timings on a shared machine mean little without it.
        print("  load average (1 min): \(loadBefore) before, \(Self.loadAverage()) after")
    }

    /// The 1-minute load average from /proc/loadavg ("?" where there is none).
    static func loadAverage() -> String {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "?" }
        return text.split(separator: " ").first.map(String.init) ?? "?"
    }
}
