import ArgumentParser

/// `fuse-bench …` (also `fuse bench …`, which forwards here): throughput measurements, each printed next to a peer's
/// figure from the same run. Meaningful only from a release build (`swift build -c release`).
///
/// The harness is its own executable so that the `fuse` CLI stays a thin face over the library: random models,
/// FLOP counts, the GEMM ceiling and peer launching live here, with the kernels and plugins they measure.
@main
struct FuseBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuse-bench",
        abstract: "Measure Fuse's throughput next to a reference implementation (use a release build).",
        subcommands: [
            BenchGEMM.self, BenchAttention.self, BenchEncoder.self, BenchImage.self, BenchAudio.self,
            BenchTokenize.self, BenchFusion.self, DescribeBench.self, BenchLLM.self, BenchMoE.self,
            BenchIndex.self, BenchIndexQuery.self, BenchServe.self, BenchSetFit.self, BenchNER.self,
            BenchWhisper.self, BenchMainJob.self,
        ]
    )
}
