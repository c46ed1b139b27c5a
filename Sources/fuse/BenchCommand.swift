import ArgumentParser

/// `fuse bench …`: throughput benchmarks, each printed beside its peer's figure from the same run.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Fuse's throughput beside the reference implementations.",
        subcommands: [BenchAudio.self]
    )
}
