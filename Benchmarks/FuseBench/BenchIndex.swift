import ArgumentParser
import Foundation
import FuseCore
import FuseIndex

/// `fuse bench index`: FuseIndex at 10⁴–10⁶ synthetic unit vectors (384-d and 512-d): insertion throughput, database
/// size, load time, query latency (p50/p99, k = 10, one query at a time) in float32 and int8, and peak RSS of a
/// searching process; beside faiss-cpu `IndexFlatIP` and sqlite-vec's `vec0` on the same vectors in the same run
/// (Benchmarks/peers/index_peers.py). Queries run in a child process so its peak RSS is the search's alone.
struct BenchIndex: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index", abstract: "Index insertion, size, query latency and RSS beside faiss and sqlite-vec.")

    @Option(help: "Vector dimensions, comma-separated.")
    var dimensions: String = "384,512"

    @Option(help: "Index sizes, comma-separated.")
    var counts: String = "10000,100000,1000000"

    @Option(help: "Timed queries per measurement (after 3 warm-up queries).")
    var queries: Int = 100

    @Option(help: "Scratch folder for the databases and the peers' vector files (deleted per size).")
    var scratch: String = NSTemporaryDirectory() + "fuse-bench-index"

    @Option(help: "A Python with faiss-cpu, sqlite-vec and numpy for the peers; '' skips them.")
    var peerPython: String = BenchPeer.defaultPython

    func run() async throws {
        let dims = dimensions.split(separator: ",").compactMap { Int($0) }
        let sizes = counts.split(separator: ",").compactMap { Int($0) }
        print(
            "index: synthetic unit vectors, k = 10, \(queries) single queries, \(Kernels.coreCount) cores; "
                + CPUDescription.line)
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        for dimension in dims {
            for count in sizes {
                try await measure(dimension: dimension, count: count)
                BenchPeer.flush()
            }
        }
    }

    func measure(dimension: Int, count: Int) async throws {
        let folder = URL(fileURLWithPath: scratch).appendingPathComponent("\(dimension)-\(count)")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let vectorFile = folder.appendingPathComponent("vectors.f32"),
            queryFile = folder.appendingPathComponent("queries.f32")
        let database = folder.appendingPathComponent("index.sqlite")
        var random = SplitMix64(seed: UInt64(dimension * 1_000_003 + count))
        try SyntheticVectors.write(count: count, dimension: dimension, random: &random, to: vectorFile)
        try SyntheticVectors.write(count: queries + 3, dimension: dimension, random: &random, to: queryFile)

        // Insertion: batches of 10 000 entries, one transaction each, as Indexer commits.
        let start = DispatchTime.now().uptimeNanoseconds
        do {
            let index = try FuseIndex(writingTo: database, modelID: "bench", dimension: dimension)
            let handle = try FileHandle(forReadingFrom: vectorFile)
            defer { try? handle.close() }
            let batch = 10_000
            for first in stride(from: 0, to: count, by: batch) {
                let rows = min(batch, count - first)
                let data = try handle.read(upToCount: rows * dimension * 4) ?? Data()
                let entries = data.withUnsafeBytes { raw in
                    let floats = raw.bindMemory(to: Float.self)
                    return (0..<rows).map { row in
                        IndexEntry(
                            path: "/bench/\(first + row).jpg", modality: .image,
                            file: FileFacts(size: 1, modificationTime: 0, contentHash: String(first + row)),
                            vector: Array(floats[(row * dimension)..<((row + 1) * dimension)]))
                    }
                }
                try index.add(entries)
            }
        }
        let insertSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let size = [database.path, database.path + "-wal"].compactMap {
            try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int
        }.reduce(0, +)
        let vectorBytes = count * dimension * 4
        print(String(format: "\n%d × %d-d (%.0f MB of float32 vectors)", count, dimension, Double(vectorBytes) / 1e6))
        print(
            String(
                format: "  Fuse insert %10.0f vectors/s   database %7.1f MB (%.2f× the vectors)",
                Double(count) / insertSeconds, Double(size) / 1e6, Double(size) / Double(vectorBytes)))
        for precision in VectorPrecision.allCases {
            let child = try queryChild(
                database: database, queries: queryFile, dimension: dimension,
                precision: precision)
            let bytes = precision == .int8 ? count * (dimension + 4) : vectorBytes
            let above = child.peak - child.baseline
            print(
                String(
                    format: "  Fuse %-7@ query p50 %8.2f ms  p99 %8.2f ms  load %6.2f s  peak RSS %7.1f MB, "
                        + "%.1f MB above the process's %.0f MB before loading = %.2f× the %.1f MB it scores",
                    precision.rawValue, child.p50, child.p99, child.load, Double(child.peak) / 1e6,
                    Double(above) / 1e6, Double(child.baseline) / 1e6, Double(above) / Double(bytes),
                    Double(bytes) / 1e6))
        }
        let peers = BenchPeer.lines(
            python: peerPython, script: "index_peers.py",
            arguments: [
                "--vectors", vectorFile.path, "--queries", queryFile.path, "--dim", String(dimension),
                "--count", String(count), "--folder", folder.path, "--repeats", String(queries),
            ])
        for peer in peers {
            let name = peer["peer"] as? String ?? "?"
            print(
                String(
                    format: "  %-16@ insert %10.0f vectors/s   query p50 %8.2f ms  p99 %8.2f ms  size %7.1f MB  "
                        + "peak RSS %7.1f MB", name, peer["insert_per_s"] as? Double ?? 0,
                    peer["p50_ms"] as? Double ?? 0,
                    peer["p99_ms"] as? Double ?? 0, (peer["size_bytes"] as? Double ?? 0) / 1e6,
                    (peer["peak_rss_bytes"] as? Double ?? 0) / 1e6))
        }
    }

    /// Runs `fuse-bench index-query` on the database and reads its figures.
    func queryChild(
        database: URL, queries: URL, dimension: Int,
        precision: VectorPrecision
    ) throws -> (p50: Double, p99: Double, load: Double, peak: Int, baseline: Int) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        if !FileManager.default.isExecutableFile(atPath: process.executableURL!.path) {
            process.executableURL = Bundle.main.executableURL
        }
        process.arguments = [
            "index-query", "--database", database.path, "--queries", queries.path,
            "--dimension", String(dimension), "--precision", precision.rawValue,
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        else {
            throw ValidationError("index-query failed (status \(process.terminationStatus))")
        }
        return (
            object["p50_ms"] as? Double ?? 0, object["p99_ms"] as? Double ?? 0, object["load_s"] as? Double ?? 0,
            object["peak_rss_bytes"] as? Int ?? 0, object["baseline_rss_bytes"] as? Int ?? 0
        )
    }
}

/// `fuse-bench index-query` (used by `index`): loads an index and times single queries; prints JSON.
struct BenchIndexQuery: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index-query", abstract: "(used by fuse bench index)",
        shouldDisplay: false)

    @Option var database: String
    @Option var queries: String
    @Option var dimension: Int
    @Option var precision: String

    func run() async throws {
        Kernels.setBLASThreads(Kernels.coreCount)
        let baseline = ResidentMemory.read()?.current ?? 0
        let index = try FuseIndex(
            readingFrom: URL(fileURLWithPath: database),
            precision: VectorPrecision(rawValue: precision) ?? .float32)
        let data = try Data(contentsOf: URL(fileURLWithPath: queries))
        let all: [Float] = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let vectors = stride(from: 0, to: all.count, by: dimension).map { Array(all[$0..<($0 + dimension)]) }
        var start = DispatchTime.now().uptimeNanoseconds
        _ = try index.search(vector: vectors[0], k: 10)
        let load = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        for vector in vectors[1..<3] { _ = try index.search(vector: vector, k: 10) }
        var times: [Double] = []
        for vector in vectors[3...] {
            start = DispatchTime.now().uptimeNanoseconds
            _ = try index.search(vector: vector, k: 10)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        times.sort()
        let p50 = times[times.count / 2], p99 = times[min(times.count - 1, Int(Double(times.count) * 0.99))]
        let peak = ResidentMemory.read()?.peak ?? 0
        print(
            "{\"p50_ms\": \(p50), \"p99_ms\": \(p99), \"load_s\": \(load), \"peak_rss_bytes\": \(peak), "
                + "\"baseline_rss_bytes\": \(baseline)}")
    }
}

/// Seeded random unit vectors written as raw little-endian float32 rows (what the peers read with numpy).
enum SyntheticVectors {
    static func write(count: Int, dimension: Int, random: inout SplitMix64, to url: URL) throws {
        FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        let chunk = 10_000
        var rows = [Float](repeating: 0, count: chunk * dimension)
        for first in stride(from: 0, to: count, by: chunk) {
            let n = min(chunk, count - first)
            for row in 0..<n {
                var norm: Float = 0
                for column in 0..<dimension {
                    let value = Float(random.nextUnit()) * 2 - 1
                    rows[row * dimension + column] = value
                    norm += value * value
                }
                let inverse = 1 / norm.squareRoot()
                for column in 0..<dimension { rows[row * dimension + column] *= inverse }
            }
            try rows.withUnsafeBytes { try handle.write(contentsOf: Data($0[0..<(n * dimension * 4)])) }
        }
    }
}

/// lscpu's CPU model, family/model numbers and the vector ISA flags that matter here.
enum CPUDescription {
    static var line: String {
        guard let info = try? FileContents.utf8String(at: URL(fileURLWithPath: "/proc/cpuinfo")) else {
            return "CPU unknown"
        }
        var fields: [String: String] = [:]
        for line in info.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, fields[parts[0]] == nil { fields[parts[0]] = parts[1] }
        }
        let flags = Set((fields["flags"] ?? "").split(separator: " ").map(String.init))
        let isa = ["avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16"].filter { flags.contains($0) }
        return
            "CPU \(fields["model name"] ?? "?") (family \(fields["cpu family"] ?? "?"), model \(fields["model"] ?? "?"); "
            + "\(isa.joined(separator: " ")))"
    }
}
