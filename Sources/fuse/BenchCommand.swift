import ArgumentParser
import Foundation

/// `fuse bench …`: forwards to `fuse-bench`, the benchmark harness built beside `fuse` (its own executable, so the
/// CLI carries no benchmark code), with the same arguments, output and exit status.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Fuse's throughput next to a reference implementation (runs fuse-bench; use a release build)."
    )

    @Argument(parsing: .captureForPassthrough, help: "fuse-bench's subcommand and options (see fuse-bench --help).")
    var arguments: [String] = []

    func run() throws {
        let executable = Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("fuse-bench")
        guard let executable, FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw ValidationError("fuse-bench is not built beside fuse (swift build -c release --product fuse-bench)")
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ExitCode(process.terminationStatus) }
    }
}
