import ArgumentParser
import Foundation
import FuseTrain

/// `fuse setfit`: few-shot text classification trained natively (SetFit).
struct SetFitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setfit",
        abstract: "Few-shot text classification: fine-tune a sentence-transformers body and fit a head (SetFit).",
        subcommands: [SetFitTrainCommand.self])
}

enum SetFitForceHelp: OptionHelp { static let help = "Replace an existing --out folder." }
enum SetFitQuietHelp: OptionHelp { static let help = "No progress bar." }

/// `fuse setfit train`: both SetFit stages, written as a SetFit folder.
struct SetFitTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a SetFit classifier on a few labelled examples.",
        discussion: """
            --train and --eval are JSON Lines ({"text": "...", "label": "positive"}; labels strings or integers) or
            CSV with "text" and "label" columns. Stage 1 fine-tunes the BERT body (--model, a sentence-transformers
            folder such as all-MiniLM-L6-v2) on pairs of the examples with CosineSimilarityLoss (positive pairs within
            a class, negative across, SetFit's sampling), AdamW with linear warm-up/decay; stage 2 fits sklearn's
            LogisticRegression() on the fine-tuned embeddings. --out is written as a whole when training ends:
              model.safetensors, config.json, tokenizer, modules   the body (`fuse embed --model OUT` loads it)
              config_setfit.json, model_head.safetensors, model_head.json   labels and the head
            Defaults are SetFit's: 1 epoch, batch 16, learning rate 2e-5, oversampled pairs, seed 42.
            """)

    @Option(help: "The body: a sentence-transformers BERT folder.")
    var model: String

    @Option(help: "Training examples (.jsonl or .csv).")
    var train: String

    @Option(help: "Held-out examples to report accuracy on (.jsonl or .csv).")
    var eval: String?

    @Option(help: "The output folder (must not exist unless --force).")
    var out: String

    @Option(help: "Passes over the pairs.")
    var epochs = 1

    @Option(help: "Pairs per forward/backward pass.")
    var batchSize = 16

    @Option(help: "Passes whose gradients are summed before each step (a step sees batch-size × this pairs).")
    var gradientAccumulationSteps = 1

    @Option(help: "Pairs per example and kind (default: SetFit's oversampling over all pairs).")
    var numIterations: Int?

    @Option(help: "Peak learning rate of the body.")
    var learningRate: Float = 2e-5

    @Option(help: "Seed for the order of the pairs.")
    var seed: UInt64 = 42

    @OptionGroup var force: ForceFlag<SetFitForceHelp>
    @OptionGroup var quiet: QuietFlag<SetFitQuietHelp>

    func run() throws {
        var options = SetFitOptions()
        options.epochs = epochs
        options.batchSize = batchSize
        options.gradientAccumulationSteps = gradientAccumulationSteps
        options.numIterations = numIterations
        options.learningRate = learningRate
        options.seed = seed
        let trainer = try SetFitTrainer(body: URL(fileURLWithPath: model), options: options)
        let examples = try LabelledExamples.read(URL(fileURLWithPath: train))
        let evaluation = try eval.map { try LabelledExamples.read(URL(fileURLWithPath: $0)) }
        let start = Date()
        var bar: ProgressBar?
        let result = try trainer.train(
            train: examples, evaluation: evaluation, output: URL(fileURLWithPath: out), force: force.isSet
        ) { step, total, _ in
            if bar == nil { bar = ProgressBar(total: total, label: "stage 1", enabled: !quiet.isSet) }
            bar?.update(step)
        }
        bar?.finish()
        let seconds = String(format: "%.1f", Date().timeIntervalSince(start))
        print(
            "\(examples.texts.count) examples, \(result.classes.count) classes, \(result.pairs) pairs, "
                + "\(result.steps) steps (final loss \(String(format: "%.4f", result.finalLoss))) → \(out) (\(seconds) s)"
        )
        if let accuracy = result.evaluationAccuracy, let evaluation {
            print(
                "eval accuracy \(String(format: "%.4f", accuracy)) on \(evaluation.texts.count) examples "
                    + "(\(evaluation.source))")
        }
    }
}

/// `fuse classify`: labels and probabilities from a SetFit folder.
struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Classify texts with a SetFit model folder.",
        discussion: """
            Texts come from the arguments or from --input (JSON Lines with a "text" field, or plain text, one per
            line). Prints "label<TAB>probability<TAB>text" per text, or with --json one JSON object per line:
            {"text": ..., "label": ..., "probabilities": {label: p, ...}}.
            """)

    @Option(help: "The SetFit model folder (from `fuse setfit train` or tools/convert_setfit_head.py).")
    var model: String

    @Option(help: "A file of texts (.jsonl with a \"text\" field, or one text per line).")
    var input: String?

    @Flag(help: "One JSON object per text.")
    var json = false

    @Argument(help: "Texts to classify.")
    var texts: [String] = []

    func validate() throws {
        if input == nil, texts.isEmpty { throw ValidationError("give texts as arguments or --input FILE") }
        if input != nil, !texts.isEmpty { throw ValidationError("give texts as arguments or --input FILE, not both") }
    }

    func run() throws {
        let classifier = try SetFitClassifier(directory: URL(fileURLWithPath: model))
        let texts = try input.map { try TextLines.read(URL(fileURLWithPath: $0)) } ?? self.texts
        for prediction in try classifier.classify(texts) {
            let best = prediction.probabilities.max() ?? 0
            if json {
                var probabilities: [String: Double] = [:]
                for (label, p) in zip(classifier.classes, prediction.probabilities) {
                    probabilities[label.description] = p
                }
                let object: [String: Any] = [
                    "text": prediction.text, "label": prediction.label.description, "probabilities": probabilities,
                ]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("\(prediction.label)\t\(String(format: "%.4f", best))\t\(prediction.text)")
            }
        }
    }
}
