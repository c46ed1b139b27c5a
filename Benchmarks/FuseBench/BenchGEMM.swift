import ArgumentParser
import CBLAS
import Dispatch
import Foundation
import Fuse

/// `fuse bench gemm`: single-precision GEMM throughput through `Kernels.gemm`, next to `cblas_sgemm` called
/// directly and, with `--peer-python`, numpy's matmul (Benchmarks/peers/gemm_peer.py) in the same run.
struct BenchGEMM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm", abstract: "GFLOP/s of Fuse's GEMM vs. BLAS called directly (and numpy).")

    @Option(help: "BLAS threads (default: all cores).")
    var threads: Int = Kernels.coreCount

    @Option(help: "Timed repetitions per shape (after one warm-up).")
    var repeats: Int = 10

    @Option(help: "A Python with numpy for Benchmarks/peers/gemm_peer.py (same threads and repeats); '' skips it.")
    var peerPython: String = BenchPeer.defaultPython

    /// (label, m, k, n, B stored [n, k] as HF weights).
    static let shapes: [(String, Int, Int, Int, Bool)] = [
        ("1024x1024x1024", 1024, 1024, 1024, false),
        ("197x768x3072", 197, 768, 3072, true),
    ]

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
    }

    func run() throws {
        Kernels.setBLASThreads(threads)
        print("GEMM fp32, \(threads) thread(s), \(repeats) repeats; GFLOP/s best / median; m×k×n")
        print("BLAS: \(String(cString: openblas_get_config()))")
        var rows: [(String, String, Rate)] = []
        for (label, m, k, n, weightLayout) in Self.shapes {
            let a = Self.randomMatrix(m * k, seed: 1)
            let b = Self.randomMatrix(k * n, seed: 2)
            var c = [Float](repeating: 0, count: m * n)
            let ldb = weightLayout ? k : n
            let fuse = Self.measure(repeats: repeats, flops: 2 * m * n * k) {
                c.withUnsafeMutableBufferPointer { c in
                    Kernels.gemm(
                        transposeA: false, transposeB: weightLayout, m: m, n: n, k: k,
                        a: a, lda: k, b: b, ldb: ldb, c: c.baseAddress!, ldc: n)
                }
            }
            let direct = Self.measure(repeats: repeats, flops: 2 * m * n * k) {
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, weightLayout ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), 1, a, blasint(k), b, blasint(ldb), 0, &c, blasint(n))
            }
            rows.append((label, "Fuse Kernels.gemm", fuse))
            rows.append((label, "cblas_sgemm direct", direct))
        }
        rows += Self.runPeer(python: peerPython, threads: threads, repeats: repeats)
        for (label, who, rate) in rows {
            let name = who.padding(toLength: 44, withPad: " ", startingAt: 0)
            print(
                "\(label.padding(toLength: 16, withPad: " ", startingAt: 0)) \(name) "
                    + String(format: "%7.1f / %7.1f", rate.best, rate.median))
        }
    }

    struct Rate {
        let best: Double
        let median: Double
    }

    /// Times `body` once to warm up, then `repeats` times; returns GFLOP/s.
    static func measure(repeats: Int, flops: Int, _ body: () -> Void) -> Rate {
        body()
        var rates: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            rates.append(Double(flops) / seconds / 1e9)
        }
        rates.sort()
        return Rate(best: rates.last!, median: rates[rates.count / 2])
    }

    /// Deterministic values in [-1, 1) (a linear congruential sequence; the numbers' statistics do not matter).
    static func randomMatrix(_ count: Int, seed: UInt32) -> [Float] {
        var state = seed &* 2_654_435_761
        return (0..<count).map { _ in
            state = state &* 1_664_525 &+ 1_013_904_223
            return Float(state >> 8) / Float(1 << 23) - 1
        }
    }

    /// Runs the numpy peer and returns its rows.
    static func runPeer(python: String, threads: Int, repeats: Int) -> [(String, String, Rate)] {
        let peer = BenchPeer.run(
            python: python, script: "gemm_peer.py", arguments: ["--threads", "\(threads)", "--repeats", "\(repeats)"])
        return peer.results.compactMap { result in
            guard let shape = result["shape"] as? String, let best = result["best"] as? Double,
                let median = result["median"] as? Double
            else { return nil }
            return (shape, peer.name, Rate(best: best, median: median))
        }
    }
}
