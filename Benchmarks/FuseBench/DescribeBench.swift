import ArgumentParser
import Dispatch
import Foundation
import Fuse
import FuseLENS

/// `fuse bench lens`: the LENS scoring step — one image embedding against a large vocabulary (normalise, one GEMM,
/// top-k, threshold) — and loading a vocabulary cache file, next to torch doing the same scoring
/// (Benchmarks/peers/lens_scoring.py) in the same run. The vocabulary vectors are seeded random unit vectors: the
/// cost of scoring does not depend on what the vectors mean.
struct DescribeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lens", abstract: "Milliseconds to score an image against a LENS vocabulary (vs. torch).")

    @Option(help: "Vocabulary entries.")
    var entries = 20_000

    @Option(help: "Embedding dimensions to measure (512: CLIP ViT-B; 384: fuse-mini / MiniLM).")
    var dimensions: [Int] = [512, 384]

    @Option(help: "BLAS threads (default: all cores).")
    var threads: Int = Kernels.coreCount

    @Option(help: "Timed repetitions (after one warm-up).")
    var repeats = 50

    @Option(help: "A Python with torch: also runs Benchmarks/peers/lens_scoring.py with the same settings.")
    var peerPython: String?

    func validate() throws {
        guard entries >= 5, repeats >= 1, threads >= 1, dimensions.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--entries ≥ 5, --repeats ≥ 1, --threads ≥ 1 and positive --dimensions required")
        }
    }

    func run() async throws {
        Kernels.setBLASThreads(threads)
        print(
            "LENS scoring: \(entries) entries, top-5, threshold 0.2, \(threads) thread(s), \(repeats) repeats; "
                + "ms per image, median (best)")
        var rows: [(String, String, Double, Double)] = []
        for dimension in dimensions {
            let vocabulary = try DescriptorVocabulary(name: "bench", lines: (0..<entries).map { "entry \($0)" })
            let table = try Tensor(
                shape: [entries, dimension],
                values: BenchGEMM.randomMatrix(entries * dimension, seed: UInt32(dimension)))
            let scorer = try DescriptorScorer(vocabulary: vocabulary, embeddings: table)
            let queries = (0..<8).map { BenchGEMM.randomMatrix(dimension, seed: UInt32(100 + $0)) }
            let label = "\(entries)x\(dimension)"
            let one = try Self.time(repeats: repeats) { _ = try scorer.top([queries[0]], k: 5, threshold: 0.2) }
            rows.append((label, "Fuse DescriptorScorer, 1 image", one.median, one.best))
            let eight = try Self.time(repeats: repeats) { _ = try scorer.top(queries, k: 5, threshold: 0.2) }
            rows.append((label, "Fuse DescriptorScorer, batch of 8 (per image)", eight.median / 8, eight.best / 8))
            let load = try await Self.cacheLoad(vocabulary: vocabulary, table: table, repeats: max(3, repeats / 10))
            rows.append((label, "Fuse vocabulary cache load (whole file)", load.median, load.best))
        }
        if let peerPython {
            let peer = BenchPeer.run(
                python: peerPython, script: "lens_scoring.py",
                arguments: [
                    "--entries", "\(entries)", "--threads", "\(threads)", "--repeats", "\(repeats)",
                    "--dimensions",
                ] + dimensions.map(String.init))
            for result in peer.results {
                guard let shape = result["shape"] as? String, let what = result["what"] as? String,
                    let median = result["median_ms"] as? Double, let best = result["best_ms"] as? Double
                else { continue }
                rows.append((shape, "\(peer.name), \(what)", median, best))
            }
        }
        for (label, who, median, best) in rows.sorted(by: { $0.0 > $1.0 }) {
            print(
                label.padding(toLength: 12, withPad: " ", startingAt: 0)
                    + who.padding(toLength: 56, withPad: " ", startingAt: 0)
                    + String(format: "%8.3f (%.3f)", median, best))
        }
    }

    /// Median and best milliseconds of `body` after one warm-up.
    static func time(repeats: Int, _ body: () throws -> Void) rethrows -> (median: Double, best: Double) {
        try body()
        var times: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        times.sort()
        return (times[times.count / 2], times[0])
    }

    /// Writes the table as a cache file once, then times loading it (checks included) the way `Describer` does.
    static func cacheLoad(
        vocabulary: DescriptorVocabulary, table: Tensor,
        repeats: Int
    ) async throws -> (median: Double, best: Double) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-bench-lens-\(getpid())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let cache = VocabularyCache(directory: directory)
        let embedder = TableEmbedder(table: table)
        _ = try await cache.embeddings(for: vocabulary, template: "{}", embedder: embedder)
        var times: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try await cache.embeddings(for: vocabulary, template: "{}", embedder: embedder)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        guard embedder.calls == 1 else { throw ValidationError("the benchmark cache was rebuilt instead of loaded") }
        times.sort()
        return (times[times.count / 2], times[0])
    }
}

/// Hands out the rows of a fixed table as "text embeddings", in order, so the cache can be written without a
/// model; counts its calls so the benchmark can prove later runs loaded the file.
private final class TableEmbedder: SharedSpaceEmbedder, @unchecked Sendable {
    let table: Tensor
    let modelID = "bench-table"
    private let lock = NSLock()
    private var next = 0
    private var batches = 0

    init(table: Tensor) { self.table = table }

    var calls: Int { lock.withLock { batches } }
    func supports(_ modality: Modality) -> Bool { modality == .text }
    func modality(of url: URL) throws -> Modality { .text }
    func embedFiles(_ urls: [URL]) async throws -> [Embedding] { [] }
    func embedTexts(_ texts: [String]) async throws -> [[Float]] {
        let start = lock.withLock { () -> Int in
            defer { next += texts.count; batches = 1 }
            return next
        }
        return try (start..<(start + texts.count)).map { try table.rows($0..<($0 + 1)).scalars }
    }
}
