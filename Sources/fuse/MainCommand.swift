import ArgumentParser
import Foundation
import Fuse

/// `fuse run` — also plain `fuse --inputs …`: embed files and fuse groups of them, print a summary and the
/// cosine-similarity table, write the embeddings.
struct MainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Embed files of any modality and fuse groups of them (the default command).",
        discussion: """
            Groups: repeat --inputs (each occurrence is a group), or --manifest FILE (JSONL {"group", "inputs"} or \
            one whitespace-separated group per line), or stream --inputs-from LIST|- (one path, or one JSON group, \
            per line). Fusion: none (default for one --inputs list or a file list: every input on its own), late \
            (default with several groups or a manifest), early (one joint token sequence per group). \
            Outputs: .jsonl (streamed, resumable with --resume), .safetensors, .npy, .json. In manifest and list \
            runs a bad file is reported and skipped (--strict: stop); with --inputs any bad file stops the job.
            Examples:
              fuse --inputs cat.png cat.wav cat.txt --inputs dog.png dog.txt --strategy attention --plot sim.png
              find data -type f | fuse --inputs-from - --out emb.jsonl --shard 0/4
            """)

    @Option(
        name: .long, parsing: .upToNextOption,
        help: ArgumentHelp("Files of one group; repeat --inputs for more groups.", valueName: "FILE"))
    var inputs: [String] = []

    @Option(name: .long, help: ArgumentHelp("A manifest of groups (JSONL or plain).", valueName: "FILE"))
    var manifest: String?

    @Option(
        name: .customLong("inputs-from"),
        help: ArgumentHelp(
            "Stream inputs from a list (one path or JSON group per line; - for stdin). Relative "
                + "paths resolve against the list's folder (stdin: the working directory).",
            valueName: "LIST"))
    var inputsFrom: String?

    @Option(name: .long, help: ArgumentHelp("none | early | late.", valueName: "MODE"))
    var fusion: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Late fusion: mean | weighted | max | concat | attention.",
            valueName: "NAME"))
    var strategy: String?

    @Option(
        name: .long, parsing: .unconditional,
        help: ArgumentHelp(
            "Weights for --strategy weighted, one per input (e.g. 2,1,1).",
            valueName: "W,…"))
    var weights: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A safetensors projection (weight [out, n·D], bias) after concat.",
            valueName: "FILE"))
    var projection: String?

    @OptionGroup var model: ModelOption<DefaultModelHelp>

    @Option(
        name: .customLong("model-for"),
        help: ArgumentHelp(
            "Embed one modality's inputs with another model (repeatable), e.g. audio=models/hubert: its vectors "
                + "live in another space, so only --fusion none or late fusion by concat combine them.",
            valueName: "MODALITY=DIR"))
    var modelFor: [String] = []

    @OptionGroup var output: OutputOption<OutHelp>

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Draw the similarity matrix as a heat-map PNG (at most 256 outputs).",
            valueName: "PNG"))
    var plot: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Process shard I of N (inputs at positions p with p mod N = I).",
            valueName: "I/N"))
    var shard: String?

    @OptionGroup var precision: PrecisionOption
    @OptionGroup var audioAs: AudioAsOption

    @OptionGroup var download: DownloadOption

    @Option(
        name: .customLong("shard-count"),
        help: ArgumentHelp(
            "The shard count N for a scheduler index without one (Kubernetes' "
                + "JOB_COMPLETION_INDEX; else FUSE_SHARD_COUNT). Without --shard, list and manifest "
                + "runs take their shard from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX.",
            valueName: "N"))
    var shardCount: String?

    @OptionGroup var force: ForceFlag<ForceHelp>

    @Flag(name: .long, help: "Skip inputs already in the .jsonl output and append the rest.")
    var resume = false

    @Flag(name: .long, help: "Stop at the first bad input of a manifest or list run.")
    var strict = false

    @OptionGroup var quiet: QuietFlag<QuietHelp>

    enum OutHelp: OptionHelp { static let help = "Write embeddings: .jsonl, .safetensors, .npy or .json." }
    enum ForceHelp: OptionHelp { static let help = "Replace existing output files." }
    enum QuietHelp: OptionHelp { static let help = "No progress line (skipped inputs are still reported on stderr)." }

    func arguments() -> JobArguments {
        var arguments = JobArguments()
        arguments.inputGroups = JobArguments.splitGroups(inputs)
        (arguments.manifest, arguments.inputsFrom, arguments.fusion) = (manifest, inputsFrom, fusion)
        (arguments.strategy, arguments.weights, arguments.projection) = (strategy, weights, projection)
        (arguments.model, arguments.out, arguments.plot, arguments.shard) = (model.model, output.out, plot, shard)
        (arguments.force, arguments.resume, arguments.strict) = (force.isSet, resume, strict)
        (arguments.shardCount, arguments.environment) = (shardCount, ProcessInfo.processInfo.environment)
        arguments.shardSettingNames = ErrorAdvice.shardFlags
        return arguments
    }

    func validate() throws {
        for spec in modelFor {
            guard let (modality, _) = Self.modalityModel(spec) else {
                throw ValidationError("--model-for takes MODALITY=DIR (e.g. audio=models/hubert), got '\(spec)'")
            }
            if modality == "audio", audioAs.audioAs == "text" {
                throw ValidationError("--model-for audio=… and --audio-as text both say how sounds are embedded")
            }
        }
        let modalities = modelFor.compactMap { Self.modalityModel($0)?.modality }
        if Set(modalities).count != modalities.count {
            throw ValidationError("--model-for names a modality twice: \(modalities.joined(separator: ", "))")
        }
    }

    /// `MODALITY=DIR` split at the first `=`; nil when either side is empty.
    static func modalityModel(_ spec: String) -> (modality: String, model: String)? {
        guard let equals = spec.firstIndex(of: "=") else { return nil }
        let modality = String(spec[..<equals]), model = String(spec[spec.index(after: equals)...])
        return modality.isEmpty || model.isEmpty ? nil : (modality, model)
    }

    /// The `--model-for` models, loaded like the main one; each must have a tower for its modality.
    func overrideModels() async throws -> [Modality: FuseRuntime] {
        var overrides: [Modality: FuseRuntime] = [:]
        for spec in modelFor {
            guard let (name, location) = Self.modalityModel(spec) else { continue }
            var option = model
            option.model = location
            let runtime = try FuseRuntime(
                modelDirectory: try await option.directory(download: download, quiet: quiet.isSet),
                precision: precision.value())
            try runtime.loadRegisteredPlugins()
            let modality = Modality(name)
            do { _ = try runtime.preprocessingContext(for: modality) } catch {
                throw ValidationError(
                    "--model-for \(spec): \(runtime.model.id) has no \(name) tower (it embeds "
                        + "\(runtime.model.modalities.map(\.name).joined(separator: ", ")))")
            }
            overrides[modality] = runtime
        }
        return overrides
    }

    func run() async throws {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let arguments = arguments()
        let options = try arguments.options(currentDirectory: cwd)
        let shardChoice = try arguments.shardChoice()
        if shardChoice.origin != .whole { printError(shardChoice.description) }
        // Refuse to clobber (and refuse an output another run is writing) before loading anything.
        try FuseJob.checkOutput(options)
        try await download.prepare([model.model], quiet: quiet.isSet)
        let modelDirectory = try arguments.modelDirectory(currentDirectory: cwd, executable: Bundle.main.executableURL)
        let runtime = try FuseRuntime(
            modelDirectory: modelDirectory, precision: precision.value(),
            speech: audioAs.speech(
                modelDirectory: modelDirectory, precision: precision.value(), quiet: quiet.isSet))
        precision.report(runtime)
        // Plugins registered with `fuse plugins register` read their formats here too.
        try runtime.loadRegisteredPlugins()
        let progress = MainProgress(enabled: !quiet.isSet)
        defer { progress.finish() }
        // --quiet hides progress only: skipped inputs are always reported.
        let models = JobModels(primary: runtime, overrides: try await overrideModels())
        try models.check(options)
        let summary = try await FuseJob(models: models, options: options).run(
            progress: { progress.update($0) },
            skipped: { failure in
                progress.finish(); printError("skipped \(failure)")
            })
        progress.finish()
        print(
            JobReport.text(
                summary, options: options,
                modelID: ([runtime.model.id]
                    + models.overriddenModalities.map { "\($0.name) by \(models.runtime(for: $0).model.id)" })
                    .joined(separator: " · "), plotSetting: ErrorAdvice.plotFlag,
                transcriber: runtime.speech?.whisper.folder.lastPathComponent))
        if let plot = options.plot { print("similarity heat map written to \(plot.path)") }
    }
}
