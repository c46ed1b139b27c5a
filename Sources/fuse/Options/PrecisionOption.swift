import ArgumentParser
import Fuse
import FuseLLM

/// `--precision fp32|bf16|int8|auto`, shared by every command that loads a model.
struct PrecisionOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
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

    /// Says on stderr when the model runs in another precision than was asked for.
    func report(_ runtime: FuseRuntime) {
        report(note: runtime.model.precisionNote)
    }

    /// Says on stderr why a model runs in another precision than was asked for, when it does (`note` not nil).
    func report(note: String?) {
        if let note { printError("note: \(note)") }
    }

    /// Says on stderr which causal LMs run in another precision than was asked for (a CPU without the kernels).
    func report(_ models: [any CausalLanguageModel]) {
        guard let wanted = try? value().resolved else { return }
        for model in models where model.precision != wanted {
            printError(
                "note: \(wanted) is not available on this CPU (\(ComputeCapabilities.current.isa)) for "
                    + "\(model.folder.lastPathComponent); running \(model.precision)")
        }
    }
}
