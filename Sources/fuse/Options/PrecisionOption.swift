import ArgumentParser
import Fuse

/// `--precision fp32|bf16|int8|auto`, shared by every command that loads a model.
struct PrecisionOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Numeric precision of the transformer blocks: fp32 (exact, default), bf16, int8, or auto (the fastest whose "
            + "accuracy contract holds on this CPU). See docs/PRECISION.md.", valueName: "P"))
    var precision: String = "fp32"

    /// The parsed precision (an unknown name is a usage error naming the known ones).
    func value() throws -> Precision {
        do { return try Precision(name: precision) } catch {
            throw ValidationError("\(error)")
        }
    }

    func validate() throws { _ = try value() }

    /// Says on stderr when the model runs in another precision than was asked for, and which kernel runs.
    func report(_ runtime: FuseRuntime) {
        if let note = runtime.model.precisionNote { printError("note: \(note)") }
    }
}
