import ArgumentParser
import Dispatch
import Foundation
import Fuse

/// `fuse bench attention`: `Kernels.scaledDotProductAttention` on encoder-sized problems, next to torch's
/// `scaled_dot_product_attention` (Benchmarks/peers/attention_peer.py) with `--peer-python`. Where the automatic choice
/// is the rows kernel, the flash kernel is timed too, the two alternating repetition by repetition so that load on a
/// shared machine falls on both alike. `--precision bf16` times the rows kernel with bf16 operands beside both fp32
/// kernels, and the peer in bf16.
struct BenchAttention: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attention", abstract: "Milliseconds per attention call (the fused kernel) vs. torch SDPA.")

    @Option(help: "BLAS threads (default: all cores).")
    var threads: Int = Kernels.coreCount

    @Option(help: "Timed repetitions per shape (after one warm-up).")
    var repeats: Int = 10

    @Option(help: "A Python with torch for Benchmarks/peers/attention_peer.py (same settings); '' skips it.")
    var peerPython: String = BenchPeer.defaultPython

    @Option(help: "fp32, or bf16 (the rows kernel with bf16 operands, the peer in bf16).")
    var precision: String = "fp32"

    /// The peer's shapes: (label, batch, heads, length, headDim, padded keys in the second half, causal).
    static let shapes: [(String, Int, Int, Int, Int, Int, Bool)] = [
        ("minilm b32 h12 s128 d32 pad", 32, 12, 128, 32, 32, false),
        ("vit b8 h12 s197 d64", 8, 12, 197, 64, 0, false),
        ("clip-text b32 h8 s77 d64 causal", 32, 8, 77, 64, 0, true),
        ("sentences b32 h12 s24 d32 pad", 32, 12, 24, 32, 8, false),
    ]

    func validate() throws {
        guard threads >= 1, repeats >= 1 else { throw ValidationError("--threads and --repeats must be at least 1") }
        guard ["fp32", "bf16"].contains(precision) else { throw ValidationError("--precision takes fp32 or bf16") }
    }

    func run() throws {
        Kernels.setBLASThreads(threads)
        let bf16 = precision == "bf16"
        let bf16Note =
            bf16
            ? (Kernels.attentionBF16Available ? " (bf16 operands: AVX512-BF16)" : " (no AVX512-BF16: bf16 runs fp32)")
            : ""
        print(
            "scaled dot-product attention \(precision)\(bf16Note), \(threads) thread(s), \(repeats) repeats; "
                + "ms per call best / median")
        var rows: [(String, String, Double, Double)] = []
        for (label, batch, heads, length, headDim, padded, causal) in Self.shapes {
            let width = heads * headDim
            let query = BenchGEMM.randomMatrix(batch * length * width, seed: 3)
            let key = BenchGEMM.randomMatrix(batch * length * width, seed: 4)
            let value = BenchGEMM.randomMatrix(batch * length * width, seed: 5)
            var mask = [Int32](repeating: 1, count: batch * length)
            for item in (batch / 2)..<batch {
                for position in (length - padded)..<length { mask[item * length + position] = 0 }
            }
            var output = [Float](repeating: 0, count: batch * length * width)
            let chosen = Kernels.attentionKernel(headDim: headDim, causal: causal)
            // (kernel, bf16 operands): the automatic choice first, then the fp32 kernels beside it.
            var variants: [(AttentionKernel, Bool)] =
                chosen == .rows ? [(.rows, false), (.flash, false)] : [(chosen, false)]
            if bf16 && chosen == .rows && Kernels.attentionBF16Available { variants.insert((.rows, true), at: 0) }
            let times = Self.time(repeats: repeats, variants: variants.count) { variant in
                output.withUnsafeMutableBufferPointer { output in
                    Kernels.scaledDotProductAttention(
                        query: query, key: key, value: value, output: output.baseAddress!, batch: batch, heads: heads,
                        queryLength: length, keyLength: length, headDim: headDim, keyPaddingMask: mask, causal: causal,
                        kernel: variants[variant].0, bf16: variants[variant].1)
                }
            }
            for (index, ((kernel, operandsBF16), time)) in zip(variants, times).enumerated() {
                let how = index == 0 ? "automatic" : "forced"
                let who = "Fuse (\(kernel) kernel, \(operandsBF16 ? "bf16" : "fp32"), \(how))"
                rows.append((label, who, time.best, time.median))
            }
        }
        let peer = BenchPeer.run(
            python: peerPython, script: "attention_peer.py",
            arguments: ["--threads", "\(threads)", "--repeats", "\(repeats)", "--dtype", precision])
        for result in peer.results {
            guard let shape = result["shape"] as? String, let best = result["best_ms"] as? Double,
                let median = result["median_ms"] as? Double
            else { continue }
            rows.append((shape, peer.name, best, median))
        }
        for (label, who, best, median) in rows.sorted(by: { $0.0 < $1.0 }) {
            print(
                "\(label.padding(toLength: 32, withPad: " ", startingAt: 0)) "
                    + "\(who.padding(toLength: 40, withPad: " ", startingAt: 0)) "
                    + String(format: "%8.2f / %8.2f", best, median))
        }
    }

    /// Milliseconds for each of `variants` versions of `body` (called with the variant's index): one warm-up each,
    /// then `repeats` rounds that time every variant once, in turn.
    static func time(repeats: Int, variants: Int, _ body: (Int) -> Void) -> [(best: Double, median: Double)] {
        for variant in 0..<variants { body(variant) }
        var times = [[Double]](repeating: [], count: variants)
        for _ in 0..<repeats {
            for variant in 0..<variants {
                let start = DispatchTime.now().uptimeNanoseconds
                body(variant)
                times[variant].append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            }
        }
        return times.map { variantTimes in
            let sorted = variantTimes.sorted()
            return (sorted[0], sorted[sorted.count / 2])
        }
    }
}
