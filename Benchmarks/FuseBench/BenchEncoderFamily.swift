import Foundation
import FuseCore
import FuseModels

/// `fuse bench encoder --family modernbert|deberta`: a base-size random-weight ModernBERT or DeBERTa-v3 on one batch
/// of mixed lengths, beside transformers in the same run (Benchmarks/peers/encoder_families.py, which writes the
/// checkpoint and the batch both sides run). ModernBERT is measured unpadded (Fuse's default: real tokens packed,
/// attention per sequence) and padded (every sequence to the longest), which is what the peer runs on CPU.
struct EncoderFamilyBench {
    let family: String
    let layers: Int?
    let batch: Int
    let maxLength: Int
    let repeats: Int
    let threads: Int
    let precision: Precision
    let peerPython: String

    func run() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-bench-\(family)-\(getpid())")
        defer { try? FileManager.default.removeItem(at: work) }
        var arguments = [
            "--family", family, "--work", work.path, "--batch", "\(batch)", "--max-length",
            "\(maxLength)", "--threads", "\(threads)", "--repeats", "\(repeats)",
        ]
        if let layers { arguments += ["--layers", "\(layers)"] }
        let peer = BenchPeer.lines(python: peerPython, script: "encoder_families.py", arguments: arguments).first
        guard FileManager.default.fileExists(atPath: work.appendingPathComponent("batch.json").path) else {
            print(
                "\(family): skipped — the peer writes the random checkpoint and the batch, and it did not run "
                    + "(--peer-python needs torch and transformers)")
            return
        }
        let model = try EncoderModel.load(directory: work, precision: precision)
        if let note = model.precisionNote { print("note: \(note)") }
        let tower = try model.tower(for: .text)
        let tokens = try Self.batch(work.appendingPathComponent("batch.json"))
        let lengths = tokens.map(\.count)
        let (real, padded) = (lengths.reduce(0, +), lengths.count * (lengths.max() ?? 0))
        print(
            "\(family) (\(layers.map { "\($0) layers, " } ?? "")width 768, \(model.precision)): batch \(tokens.count), "
                + "lengths \(lengths.min() ?? 0)–\(lengths.max() ?? 0), \(real) real tokens of \(padded) padded "
                + "(\(String(format: "%.0f", 100 * Double(real) / Double(max(padded, 1))))%)")

        let output = try tower(tokens)
        if let expected = Self.pooled(work.appendingPathComponent("pooled.json")), model.precision == .fp32 {
            let mean = Pooling.mean.pool(output.lastHidden, batch: output.batch).scalars
            let worst = zip(mean, expected).map { abs($0 - $1) }.max() ?? .infinity
            print(String(format: "  check: mean-pooled output vs transformers max abs %.2e", worst))
        }
        let peerRate = (peer?["sequences_per_second"] as? Double).map { ($0, peer?["best"] as? Double ?? $0) }
        let unpadded = try BenchEncoder.measure(repeats: repeats, items: tokens.count) { _ = try tower(tokens) }
        line(family == "modernbert" ? "Fuse unpadded" : "Fuse", rate: unpadded, peer: peerRate)
        if var stack = tower.encoder as? ModernBERTEncoder {
            stack.unpadded = false
            let paddedTower = Tower(modality: .text, embedder: tower.embedder, encoder: stack, pooling: tower.pooling)
            let rate = try BenchEncoder.measure(repeats: repeats, items: tokens.count) { _ = try paddedTower(tokens) }
            line("Fuse padded", rate: rate, peer: peerRate)
            print(String(format: "  unpadding speed-up: ×%.2f", unpadded.0 / rate.0))
        }
        if let peerRate {
            print(String(format: "  torch fp32 (padded, SDPA): %.2f (%.2f) sequences/s", peerRate.0, peerRate.1))
        }
        BenchPeer.flush()
    }

    private func line(_ label: String, rate: (Double, Double), peer: (Double, Double)?) {
        let versus = peer.map { String(format: "  ×%.2f torch", rate.0 / $0.0) } ?? "  (torch not run)"
        print(String(format: "  %@: %.2f (%.2f) sequences/s%@", label, rate.0, rate.1, versus))
    }

    static func batch(_ url: URL) throws -> [Tokens] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        guard let rows = object?["ids"] as? [[NSNumber]] else {
            throw FuseError.invalidConfig(file: url.path, reason: "expected {\"ids\": [[Int]]}")
        }
        return try rows.map { try Tokens(modality: .text, content: .ids($0.map { Int32(truncating: $0) })) }
    }

    static func pooled(_ url: URL) -> [Float]? {
        guard let data = try? Data(contentsOf: url),
            let rows = (try? JSONSerialization.jsonObject(with: data)) as? [[NSNumber]]
        else { return nil }
        return rows.flatMap { $0.map(\.floatValue) }
    }
}
