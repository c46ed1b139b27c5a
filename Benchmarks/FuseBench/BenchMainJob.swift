import ArgumentParser
import Foundation

/// `fuse bench mainjob`: the main job as a user runs it — `fuse run --inputs-from LIST --precision P --out F.npy`
/// over one sentence per file, timed as a whole process (start, model load and quantization, file reading,
/// tokenisation, inference, writing) — beside ONNX Runtime doing the same job in Python with a model exported and
/// quantized ahead of time (Benchmarks/peers/mainjob_ort.py). The peer's figure is its session creation + reading +
/// tokenisation + inference + writing (issue 18's definition: its interpreter start and imports are left out); its
/// whole process is printed too. Runs alternate between Fuse and the peers so load drifts hit both.
struct BenchMainJob: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mainjob",
        abstract: "Whole-process `fuse run` over sentence files vs ONNX Runtime doing the same job (release build).")

    @Option(help: "Sentence files to embed.")
    var files: Int = 1000

    @Option(help: "Timed runs of each engine (after one warm-up run each).")
    var repeats: Int = 3

    @Option(help: "The model folder (tools/setup_models.sh puts all-MiniLM-L6-v2 at models/all-MiniLM-L6-v2).")
    var model: String = "models/all-MiniLM-L6-v2"

    @Option(help: "Fuse's precision: fp32, bf16, int8 or auto.")
    var precision: String = "int8"

    @Option(help: "A Python with torch, transformers, onnxruntime and tokenizers for the peer; '' skips it.")
    var peerPython: String = BenchPeer.defaultPython

    func validate() throws {
        guard files >= 1, repeats >= 1 else { throw ValidationError("--files and --repeats must be ≥ 1") }
        guard ["fp32", "bf16", "int8", "auto"].contains(precision) else {
            throw ValidationError("--precision takes fp32, bf16, int8 or auto")
        }
    }

    func run() async throws {
        let fuse = try BenchServe.fuseExecutable()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-bench-mainjob")
        let list = try writeSentenceFiles(into: work)
        print("main job, \(files) sentence files, \(model), Fuse --precision \(precision); median (best) of \(repeats)")
        print(BenchServe.cpuLine())
        let peerWork = work.appendingPathComponent("peer").path
        let peerReady =
            !BenchPeer.lines(
                python: peerPython, script: "mainjob_ort.py",
                arguments: ["--mode", "prepare", "--model", model, "--work", peerWork]
            ).isEmpty
        let fuseOut = work.appendingPathComponent("fuse.npy").path
        let fuseArguments = [
            "run", "--inputs-from", list, "--model", model, "--precision", precision, "--out", fuseOut, "--force",
            "--quiet",
        ]
        let variants = peerReady ? ["ort-int8", "ort-int8-per-channel"] : []
        var fuseSeconds: [Double] = []
        var peerSeconds: [String: (inner: [Double], whole: [Double])] = [:]
        for round in 0...repeats {
            let seconds = try Self.timeProcess(fuse, fuseArguments)
            if round > 0 { fuseSeconds.append(seconds) }
            for variant in variants {
                let started = Date()
                let line = BenchPeer.lines(
                    python: peerPython, script: "mainjob_ort.py",
                    arguments: [
                        "--mode", "run", "--model", model, "--list", list, "--work", peerWork, "--variant", variant,
                        "--out", work.appendingPathComponent("\(variant).npy").path,
                    ]
                ).first
                let whole = Date().timeIntervalSince(started)
                guard round > 0, let inner = line?["seconds"] as? Double else { continue }
                peerSeconds[variant, default: ([], [])].inner.append(inner)
                peerSeconds[variant, default: ([], [])].whole.append(whole)
            }
        }
        let fuseRate = Self.rates(fuseSeconds, files)
        print(
            String(
                format: "Fuse `fuse run --precision %@`, whole process: %.1f (%.1f) files/s", precision,
                fuseRate.median, fuseRate.best))
        for variant in variants {
            guard let measured = peerSeconds[variant] else { continue }
            let inner = Self.rates(measured.inner, files)
            let whole = Self.rates(measured.whole, files)
            print(
                String(
                    format: "  peer %@: session + reading + tokenisation + inference + writing %.1f (%.1f) files/s "
                        + "(Fuse ×%.2f); whole process with Python's start and imports %.1f (%.1f) (Fuse ×%.2f)",
                    variant, inner.median, inner.best, fuseRate.median / inner.median, whole.median, whole.best,
                    fuseRate.median / whole.median))
        }
        if peerReady,
            let check = BenchPeer.lines(
                python: peerPython, script: "mainjob_ort.py",
                arguments: [
                    "--mode", "check", "--model", model, "--list", list, "--work", peerWork, "--fuse-out", fuseOut,
                ]
            ).first, let mean = check["cosine_mean"] as? Double, let worst = check["cosine_worst"] as? Double
        {
            print(String(format: "Fuse's rows against ORT fp32's: cosine mean %.5f, worst %.5f", mean, worst))
        }
    }

    /// One sentence per file (the encoder bench's sentences) and the list naming them, relative to the list.
    private func writeSentenceFiles(into work: URL) throws -> String {
        let folder = work.appendingPathComponent("files")
        try? FileManager.default.removeItem(at: work)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var names: [String] = []
        for (index, sentence) in BenchEncoder.sentences(count: files).enumerated() {
            let name = String(format: "files/%05d.txt", index)
            try Data((sentence + "\n").utf8).write(to: work.appendingPathComponent(name))
            names.append(name)
        }
        let list = work.appendingPathComponent("list.txt")
        try Data((names.joined(separator: "\n") + "\n").utf8).write(to: list)
        return list.path
    }

    /// Wall-clock seconds from starting `executable` to its exit; a failed run stops the bench.
    static func timeProcess(_ executable: String, _ arguments: [String]) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let started = Date()
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError(
                "\(executable) \(arguments.joined(separator: " ")) exited with status \(process.terminationStatus)")
        }
        return Date().timeIntervalSince(started)
    }

    static func rates(_ seconds: [Double], _ items: Int) -> (median: Double, best: Double) {
        let sorted = seconds.sorted()
        return (Double(items) / sorted[sorted.count / 2], Double(items) / (sorted.first ?? .infinity))
    }
}
