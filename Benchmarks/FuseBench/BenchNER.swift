import ArgumentParser
import Foundation
import FuseCore
import FuseNER

/// `fuse bench ner`: GLiNER texts/s beside the `gliner` package (torch fp32) in the same run, on a gliner_small-shaped
/// random model (DeBERTa-v3-small backbone, hidden 768, max_width 12) that the peer (Benchmarks/peers/ner_gliner.py)
/// builds, converts and times on the same texts; Fuse then loads the converted folder, times `NERModel.extract` on
/// the same texts and labels, and reports on how many texts its entities equal gliner's.
struct BenchNER: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ner",
        abstract: "GLiNER texts/s vs. the gliner package (torch CPU) on a gliner_small-shaped model (release build).")

    @Option(help: "Timed repetitions (after one warm-up).")
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

    func validate() throws {
        guard repeats >= 1, texts >= 1, batchSize >= 1, minWords >= 1, maxWords >= minWords else {
            throw ValidationError("--repeats, --texts, --batch-size ≥ 1 and 1 ≤ --min-words ≤ --max-words")
        }
        _ = try Precision(name: precision)
    }

    func run() async throws {
        let threads = Kernels.coreCount
        Kernels.setBLASThreads(threads)
        let work =
            peerWork.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("fuse-bench-ner-\(getpid())")
        defer { if peerWork == nil { try? FileManager.default.removeItem(at: work) } }
        let inputs = work.appendingPathComponent("texts.json")
        let reused = peerWork != nil && FileManager.default.fileExists(atPath: inputs.path)
        let peer =
            reused
            ? nil
            : BenchPeer.lines(
                python: peerPython, script: "ner_gliner.py",
                arguments: [
                    "--work", work.path, "--texts", "\(texts)", "--min-words", "\(minWords)", "--max-words",
                    "\(maxWords)", "--batch-size", "\(batchSize)", "--threads", "\(threads)", "--repeats", "\(repeats)",
                ]
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
        var models = [exact]
        let chosen = try Precision(name: precision)
        if chosen.resolved != .fp32 {
            let reduced = try NERModel.load(directory: folder, precision: chosen)
            if let note = reduced.precisionNote { print("note: \(note)") }
            if reduced.precision != .fp32 { models.append(reduced) }
        }
        var exactEntities: [[Entity]] = []
        for model in models {
            var found: [[Entity]] = []
            let rate = try BenchEncoder.measure(repeats: repeats, items: textList.count) {
                found = try model.extract(textList, labels: labels, options: options)
            }
            let versus = peerRate.map { String(format: "  ×%.2f gliner", rate.0 / $0.0) } ?? "  (gliner not timed)"
            print(String(format: "  Fuse %@: %.2f (%.2f) texts/s%@", "\(model.precision)", rate.0, rate.1, versus))
            let total = found.reduce(0) { $0 + $1.count }
            if let reference {
                let same = zip(found, reference).filter { Self.sameEntities($0, $1, scoreTolerance: 1e-3) }.count
                let spans = zip(found, reference).filter { Self.sameEntities($0, $1, scoreTolerance: nil) }.count
                print(
                    "    same entities as gliner on \(same) of \(reference.count) texts with scores within 1e-3, "
                        + "\(spans) on spans and labels (\(total) entities from Fuse)")
            }
            if model.precision == .fp32 {
                exactEntities = found
            } else {
                let agreement = Self.agreement(found, exactEntities)
                print(
                    String(
                        format: "    same entities as Fuse fp32 on %d of %d texts (spans and labels; largest score "
                            + "change %.4f on the entities both found)", agreement.sameTexts, found.count,
                        agreement.largestScoreChange))
            }
        }
        if let peerRate {
            print(String(format: "  gliner (torch fp32): %.2f (%.2f) texts/s", peerRate.0, peerRate.1))
        }
        BenchPeer.flush()
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
