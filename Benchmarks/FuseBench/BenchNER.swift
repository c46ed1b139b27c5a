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

    func validate() throws {
        guard repeats >= 1, texts >= 1, batchSize >= 1, minWords >= 1, maxWords >= minWords else {
            throw ValidationError("--repeats, --texts, --batch-size ≥ 1 and 1 ≤ --min-words ≤ --max-words")
        }
    }

    func run() async throws {
        let threads = Kernels.coreCount
        Kernels.setBLASThreads(threads)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-bench-ner-\(getpid())")
        defer { try? FileManager.default.removeItem(at: work) }
        let peer = BenchPeer.lines(
            python: peerPython, script: "ner_gliner.py",
            arguments: [
                "--work", work.path, "--texts", "\(texts)", "--min-words", "\(minWords)", "--max-words",
                "\(maxWords)", "--batch-size", "\(batchSize)", "--threads", "\(threads)", "--repeats", "\(repeats)",
            ]
        ).first
        let inputs = work.appendingPathComponent("texts.json")
        guard FileManager.default.fileExists(atPath: inputs.path) else {
            print(
                "ner: skipped — the peer builds the random model and the texts, and it did not run "
                    + "(--peer-python needs gliner 0.2.x with torch and transformers)")
            return
        }
        let model = try NERModel.load(directory: work.appendingPathComponent("model"))
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: inputs)) as! [String: Any]
        let textList = object["texts"] as! [String]
        let labels = object["labels"] as! [String]
        let options = ExtractionOptions(threshold: 0.5, flat: true, batchSize: batchSize)
        let words = textList.map { WordSplitter.words($0).count }
        print(
            "ner throughput, \(threads) cores, median (best) of \(repeats): gliner_small shape (DeBERTa-v3-small "
                + "backbone, hidden 768, max_width 12), \(textList.count) texts of \(words.min() ?? 0)–"
                + "\(words.max() ?? 0) words (\(words.reduce(0, +)) in all), \(labels.count) labels, batch \(batchSize)"
        )
        var found: [[Entity]] = []
        let rate = try BenchEncoder.measure(repeats: repeats, items: textList.count) {
            found = try model.extract(textList, labels: labels, options: options)
        }
        let peerRate = (peer?["texts_per_second"] as? Double).map { ($0, peer?["best"] as? Double ?? $0) }
        let versus = peerRate.map { String(format: "  ×%.2f gliner", rate.0 / $0.0) } ?? "  (gliner not run)"
        print(String(format: "  Fuse fp32: %.2f (%.2f) texts/s%@", rate.0, rate.1, versus))
        if let peerRate {
            print(String(format: "  gliner (torch fp32): %.2f (%.2f) texts/s", peerRate.0, peerRate.1))
        }
        if let reference = try? JSONSerialization.jsonObject(
            with: Data(contentsOf: work.appendingPathComponent("entities.json"))) as? [[[Any]]]
        {
            let same = zip(found, reference).filter { Self.sameEntities($0, $1) }.count
            let total = found.reduce(0) { $0 + $1.count }
            print("  same entities as gliner on \(same) of \(reference.count) texts (\(total) entities from Fuse)")
        }
        BenchPeer.flush()
    }

    /// Same spans and labels in the same order, scores within 1e-3 (gliner's rows: [start, end, label, score]).
    static func sameEntities(_ mine: [Entity], _ theirs: [[Any]]) -> Bool {
        guard mine.count == theirs.count else { return false }
        for (entity, row) in zip(mine, theirs) {
            guard let start = row[0] as? Int, let end = row[1] as? Int, let label = row[2] as? String,
                let score = (row[3] as? NSNumber)?.floatValue
            else { return false }
            if entity.start != start || entity.end != end || entity.label != label { return false }
            if abs(entity.score - score) > 1e-3 { return false }
        }
        return true
    }
}
