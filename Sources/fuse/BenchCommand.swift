import ArgumentParser

/// `fuse bench …`: throughput measurements, each printed next to a peer's figure from the same run.
/// Meaningful only from a release build (`swift build -c release`).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Fuse's throughput next to a reference implementation (use a release build).",
        subcommands: [BenchGEMM.self, BenchAttention.self, BenchEncoder.self, BenchImage.self, BenchAudio.self,
                      BenchTokenize.self, BenchFusion.self, DescribeBench.self, BenchLLM.self]
    )
}
