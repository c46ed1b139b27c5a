import ArgumentParser
import Foundation
import FuseCore
import FuseNER

/// `fuse bench ner`: GLiNER texts/s beside the `gliner` package (torch fp32) in the same run, on a gliner_small-shaped
/// model (DeBERTa-v3-small backbone, hidden 768, max_width 12) that the peer (Benchmarks/peers/ner_gliner.py)
/// builds — random, then briefly fine-tuned by gliner on a synthetic task unless `--untrained` — converts and times
/// on the same texts; Fuse then loads the converted folder, times `NERModel.extract` on the same texts and labels,
/// and reports on how many texts its entities equal gliner's, and for each reduced precision or recipe on how many
/// they equal fp32 Fuse's and how far its span probabilities move.
struct BenchNER: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ner",
        abstract: "GLiNER texts/s vs. the gliner package (torch CPU) on a gliner_small-shaped model (release build).")

    @Option(help: "Timed repetitions (after one warm-up); 0: accuracy only, nothing timed.")
    var repeats: Int = 3

    @Option(help: "Texts to run.")
    var texts: Int = 100

    @Option(help: "The shortest text, in words.")
    var minWords: Int = 50

    @Option(help: "The longest text, in words.")
    var maxWords: Int = 300

    @Option(help: "Texts (windows) per backbone call, on both sides.")
    var batchSize: Int = 8

    @Option(help: "A Python with gliner 0.2.x, torch and transformers for the peer (it also builds the model).")
    var peerPython: String = BenchPeer.defaultPython

    @Option(
        help: ArgumentHelp(
            "Fuse's precision beside fp32: bf16, int8 or auto (fp32 alone by default); prints its texts/s and on how "
                + "many texts its entities equal fp32 Fuse's and gliner's.", valueName: "P"))
    var precision: String = "fp32"

    @Option(
        help: ArgumentHelp(
            "Keep the peer's folder (model, texts, gliner's entities) here; when it already holds them the peer is "
                + "not run again and no gliner figure is printed (for repeated accuracy checks).", valueName: "DIR"))
    var peerWork: String?

    @Flag(help: "Bench the random model as built, not fine-tuned (the figures before session 10).")
    var untrained = false

    @Option(help: "Fine-tuning steps of the bench model (the peer caches the result in its folder).")
    var trainSteps: Int = 600

    @Option(help: "Texts per fine-tuning step.")
    var trainBatch: Int = 4

    @Option(
        help: ArgumentHelp(
            "NER precision recipes to compare with fp32, separated by ';' (NERPrecisionRecipe: e.g. "
                + "'qkv=int8,out=bf16,fc1=int8,fc2=bf16,table=int8,last=1:bf16'; keys left out keep the shared int8 "
                + "recipe's).", valueName: "LIST"))
    var recipes: String?

    @Flag(help: "Run the peer even when --peer-work already holds its output (it reuses the cached fine-tuning).")
    var rerunPeer = false

    func validate() throws {
        guard repeats >= 0, trainSteps >= 1, trainBatch >= 1, texts >= 1, batchSize >= 1, minWords >= 1,
            maxWords >= minWords
        else {
            throw ValidationError(
                "--repeats ≥ 0, --texts, --batch-size, --train-steps, --train-batch ≥ 1 and 1 ≤ --min-words ≤ "
                    + "--max-words")
        }
        _ = try Precision(name: precision)
        _ = try parsedRecipes()
    }

    func parsedRecipes() throws -> [NERPrecisionRecipe] {
        try (recipes ?? "").split(separator: ";").map { try NERPrecisionRecipe(parsing: String($0)) }
    }

    func run() async throws {
        let threads = Kernels.coreCount
        Kernels.setBLASThreads(threads)
        let work =
            peerWork.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("fuse-bench-ner-\(getpid())")
        defer { if peerWork == nil { try? FileManager.default.removeItem(at: work) } }
        let inputs = work.appendingPathComponent("texts.json")
        let reused = peerWork != nil && !rerunPeer && FileManager.default.fileExists(atPath: inputs.path)
        let peer =
            reused
            ? nil
            : BenchPeer.lines(
                python: peerPython, script: "ner_gliner.py",
                arguments: [
                    "--work", work.path, "--texts", "\(texts)", "--min-words", "\(minWords)", "--max-words",
                    "\(maxWords)", "--batch-size", "\(batchSize)", "--threads", "\(threads)", "--repeats", "\(repeats)",
                    "--train-steps", "\(trainSteps)", "--train-batch", "\(trainBatch)",
                ] + (untrained ? ["--untrained"] : [])
            ).first
        guard FileManager.default.fileExists(atPath: inputs.path) else {
            print(
                "ner: skipped — the peer builds the random model and the texts, and it did not run "
                    + "(--peer-python needs gliner 0.2.x with torch and transformers)")
            return
        }
        let folder = work.appendingPathComponent("model")
        let exact = try NERModel.load(directory: folder)
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: inputs)) as! [String: Any]
        let textList = object["texts"] as! [String]
        let labels = object["labels"] as! [String]
        let options = ExtractionOptions(threshold: 0.5, flat: true, batchSize: batchSize)
        let words = textList.map { WordSplitter.words($0).count }
        print(
            "ner throughput, \(threads) cores, median (best) of \(repeats): gliner_small shape (DeBERTa-v3-small "
                + "backbone, hidden 768, max_width 12), \(textList.count) texts of \(words.min() ?? 0)–"
                + "\(words.max() ?? 0) words (\(words.reduce(0, +)) in all), \(labels.count) labels, batch \(batchSize)"
                + (reused ? " (peer's folder reused: gliner not timed)" : "")
        )
        let peerRate = (peer?["texts_per_second"] as? Double).map { ($0, peer?["best"] as? Double ?? $0) }
        let reference =
            try? JSONSerialization.jsonObject(
                with: Data(contentsOf: work.appendingPathComponent("entities.json"))) as? [[[Any]]]
        if let trained = object["trained"] as? [String: Any] {
            print(
                "  bench model: fine-tuned by gliner on the synthetic task (\(trained["steps"] ?? "?") steps × "
                    + "\(trained["batch"] ?? "?") texts); held-out texts: \(Self.percent(trained["below_0.1"])) of "
                    + "candidates < 0.1, \(Self.percent(trained["gold_above_0.9"])) of true entities > 0.9")
        } else {
            print("  bench model: random weights, not fine-tuned (--untrained)")
        }
        let chosen = try Precision(name: precision)
        var variants: [(name: String, load: () throws -> NERModel)] = [("fp32", { exact })]
        if chosen.resolved != .fp32 {
            variants.append(("\(chosen)", { try NERModel.load(directory: folder, precision: chosen) }))
        }
        for recipe in try parsedRecipes() {
            variants.append(("recipe \(recipe)", { try NERModel.load(directory: folder, recipe: recipe) }))
        }
        var exactEntities: [[Entity]] = []
        var exactProbabilities: [[Float]] = []
        for (name, load) in variants {
            let model = try load()
            if let note = model.precisionNote { print("note: \(note)") }
            if name != "fp32" && model.precision == .fp32 { continue }
            // The untimed warm-up pass also keeps every span probability.
            let (found, probabilities) = try model.extractWithSpanProbabilities(
                textList, labels: labels, options: options)
            if repeats > 0 {
                let rate = try BenchEncoder.measure(repeats: repeats, items: textList.count, warmUp: false) {
                    _ = try model.extract(textList, labels: labels, options: options)
                }
                let versus =
                    peerRate.map { String(format: "  ×%.2f gliner", rate.0 / $0.0) } ?? "  (gliner not timed)"
                print(String(format: "  Fuse %@: %.2f (%.2f) texts/s%@", name, rate.0, rate.1, versus))
            } else {
                print("  Fuse \(name) (not timed)")
            }
            let total = found.reduce(0) { $0 + $1.count }
            if let reference {
                let same = zip(found, reference).filter { Self.sameEntities($0, $1, scoreTolerance: 1e-3) }.count
                let spans = zip(found, reference).filter { Self.sameEntities($0, $1, scoreTolerance: nil) }.count
                print(
                    "    same entities as gliner on \(same) of \(reference.count) texts with scores within 1e-3, "
                        + "\(spans) on spans and labels (\(total) entities from Fuse)")
            }
            if name == "fp32" {
                exactEntities = found
                exactProbabilities = probabilities
                print("    span probabilities: " + Self.distribution(probabilities.flatMap { $0 }, threshold: 0.5))
            } else {
                let agreement = Self.agreement(found, exactEntities)
                let largest =
                    zip(probabilities, exactProbabilities).map { mine, theirs in
                        zip(mine, theirs).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
                    }.max() ?? 0
                print(
                    String(
                        format: "    same entities as Fuse fp32 on %d of %d texts (spans and labels; %d entities); "
                            + "largest span probability change %.4f (%.4f on the entities of agreeing texts)",
                        agreement.sameTexts, found.count, total, largest, agreement.largestScoreChange))
            }
        }
        if let peerRate {
            print(String(format: "  gliner (torch fp32): %.2f (%.2f) texts/s", peerRate.0, peerRate.1))
        }
        BenchPeer.flush()
    }

    /// Where probabilities lie: below 0.1, within 0.01 and 0.05 of the threshold, above 0.9.
    static func distribution(_ values: [Float], threshold: Float) -> String {
        let count = Double(max(values.count, 1))
        func share(_ test: (Float) -> Bool) -> String {
            String(format: "%.1f %%", 100 * Double(values.filter(test).count) / count)
        }
        return "\(values.count) candidates (span × label), \(share { $0 < 0.1 }) < 0.1, "
            + "\(share { abs($0 - threshold) < 0.01 }) within 0.01 of \(threshold), "
            + "\(share { abs($0 - threshold) < 0.05 }) within 0.05, \(share { $0 > threshold }) above it, "
            + "\(share { $0 > 0.9 }) > 0.9"
    }

    static func percent(_ value: Any?) -> String {
        (value as? Double).map { String(format: "%.1f %%", 100 * $0) } ?? "?"
    }

    /// On how many texts `found` has the same spans and labels as `exact`, and the largest score change among the
    /// entities of those texts.
    static func agreement(_ found: [[Entity]], _ exact: [[Entity]]) -> (sameTexts: Int, largestScoreChange: Float) {
        var same = 0
        var largest: Float = 0
        for (mine, theirs) in zip(found, exact) {
            guard mine.map(\.start) == theirs.map(\.start), mine.map(\.end) == theirs.map(\.end),
                mine.map(\.label) == theirs.map(\.label)
            else { continue }
            same += 1
            for (a, b) in zip(mine, theirs) { largest = max(largest, abs(a.score - b.score)) }
        }
        return (same, largest)
    }

    /// Same spans and labels in the same order, scores within `scoreTolerance` when given (gliner's rows:
    /// [start, end, label, score]).
    static func sameEntities(_ mine: [Entity], _ theirs: [[Any]], scoreTolerance: Float?) -> Bool {
        guard mine.count == theirs.count else { return false }
        for (entity, row) in zip(mine, theirs) {
            guard let start = row[0] as? Int, let end = row[1] as? Int, let label = row[2] as? String,
                let score = (row[3] as? NSNumber)?.floatValue
            else { return false }
            if entity.start != start || entity.end != end || entity.label != label { return false }
            if let scoreTolerance, abs(entity.score - score) > scoreTolerance { return false }
        }
        return true
    }
}
