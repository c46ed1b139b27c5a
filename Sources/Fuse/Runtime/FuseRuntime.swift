import Foundation
import FuseCore
import FuseModels

/// Fuse's front door: a model folder loaded once, the plugins that read files, and embedding of text, images,
/// audio, files and batches of files into the model's shared space. Results are unit-normalised `Embedding`s.
///
/// The runtime is immutable apart from its plugin registry (guarded by a lock), so one instance may be used from
/// any number of tasks at once.
///
/// ```swift
/// let runtime = try FuseRuntime(modelDirectory: URL(fileURLWithPath: "models/all-MiniLM-L6-v2"))
/// let a = try await runtime.embed(text: "A man is eating food.")
/// let b = try await runtime.embed(file: URL(fileURLWithPath: "samples/text/cat.txt"))
/// print(try a.cosineSimilarity(to: b))
/// ```
public final class FuseRuntime: Sendable {
    /// The loaded model.
    public let model: EncoderModel
    /// "Audio as text": when set, a sound is transcribed and embedded as the model's text embedding of its
    /// transcript, so it lands where its words do (and a text-only model can take sounds).
    public let speech: SpeechModel?
    private let plugins: LockedRegistry

    /// Inputs per forward pass when embedding many files (per modality).
    public static let defaultBatchSizes: [Modality: Int] = [.text: 32, .image: 8, .audio: 8]

    /// Loads the model in `modelDirectory` to compute in `precision` (fp32, the exact path, by default) and
    /// registers `plugins` (the built-in ones by default).
    /// With `speech`, sounds are embedded as the text of their transcripts.
    public init(
        modelDirectory: URL, precision: Precision = .fp32,
        plugins: [any ModalityPlugin] = BuiltinPlugins.all, speech: SpeechModel? = nil
    ) throws {
        model = try EncoderModel.load(directory: modelDirectory, precision: precision)
        self.speech = speech
        self.plugins = LockedRegistry(try PluginRegistry(plugins))
    }

    /// Uses an already loaded model.
    public init(
        model: EncoderModel, plugins: [any ModalityPlugin] = BuiltinPlugins.all, speech: SpeechModel? = nil
    ) throws {
        self.model = model
        self.speech = speech
        self.plugins = LockedRegistry(try PluginRegistry(plugins))
    }

    /// Adds a plugin (its id must be new).
    public func register(_ plugin: any ModalityPlugin) throws {
        try plugins.mutate { try $0.register(plugin) }
    }

    /// A snapshot of the registered plugins.
    public var registry: PluginRegistry { plugins.snapshot }

    /// What the model tells `modality`'s plugin (model folder, token limit, patch geometry).
    public func preprocessingContext(for modality: Modality) throws -> PreprocessingContext {
        _ = try model.tower(for: modality)
        return model.preprocessing[modality] ?? PreprocessingContext(modelDirectory: model.directory)
    }

    // MARK: Single inputs

    /// Embeds a string with the first registered text plugin.
    public func embed(text: String) async throws -> Embedding {
        try embed(sample: .text(text), source: "text")
    }

    /// Embeds an RGB image with the first registered image plugin.
    public func embed(image: ImageBuffer) async throws -> Embedding {
        try embed(sample: .image(image), source: "image")
    }

    /// Embeds mono audio with the first registered audio plugin.
    public func embed(audio: AudioBuffer) async throws -> Embedding {
        try embed(sample: .audio(audio), source: "audio")
    }

    /// Reads a file through the plugin registry (an explicit plugin id, else content sniffing, else the extension)
    /// and embeds it.
    public func embed(file: URL, pluginID: String? = nil) async throws -> Embedding {
        let plugin = try registry.plugin(for: file, explicitID: pluginID)
        let (modality, tokens) = try tokenizeInput(plugin.decode(contentsOf: file), with: plugin)
        return try embedWindows(tokens, modality: modality, source: file.path, label: plugin.modality)
    }

    /// Embeds a decoded sample with the first registered plugin of its modality.
    public func embed(sample: Sample, source: String) throws -> Embedding {
        let plugin = try self.plugin(for: sample.modality)
        let (modality, tokens) = try tokenizeInput(sample, with: plugin)
        return try embedWindows(tokens, modality: modality, source: source, label: sample.modality)
    }

    // MARK: Batches

    /// Embeds many files, batching the forward passes per modality; the result keeps the input order.
    /// Files are decoded and tokenised on all cores. `progress` is called with (done, total) after each batch.
    /// The first failing file stops the call with its error (no partial results).
    public func embed(
        files: [URL], pluginID: String? = nil,
        progress: (@Sendable (Int, Int) -> Void)? = nil
    ) async throws -> [Embedding] {
        let registry = self.registry
        let prepared = try await withThrowingTaskGroup(of: (Int, PreparedInput).self) { group in
            var results = [PreparedInput?](repeating: nil, count: files.count)
            var next = 0
            let width = max(2, Kernels.coreCount)
            func submit(_ index: Int) {
                let file = files[index]
                group.addTask {
                    let plugin = try registry.plugin(for: file, explicitID: pluginID)
                    let (modality, tokens) = try self.tokenizeInput(plugin.decode(contentsOf: file), with: plugin)
                    return (
                        index,
                        PreparedInput(
                            source: file.path, modality: modality, windows: tokens, label: plugin.modality)
                    )
                }
            }
            while next < min(width, files.count) { submit(next); next += 1 }
            while let (index, input) = try await group.next() {
                results[index] = input
                if next < files.count { submit(next); next += 1 }
            }
            return results.compactMap { $0 }
        }
        return try embed(prepared: prepared, progress: progress)
    }

    /// Embeds decoded samples (e.g. many strings) in batches per modality, keeping their order; `sources` names them
    /// in the results (default: `"sample <i>"`).
    public func embed(
        samples: [Sample], sources: [String]? = nil,
        progress: (@Sendable (Int, Int) -> Void)? = nil
    ) throws -> [Embedding] {
        if let sources, sources.count != samples.count {
            throw FuseError.shapeMismatch(what: "sample sources", expected: [samples.count], actual: [sources.count])
        }
        var plugins: [Modality: any ModalityPlugin] = [:]
        let prepared = try samples.enumerated().map { index, sample in
            let plugin = try plugins[sample.modality] ?? self.plugin(for: sample.modality)
            plugins[sample.modality] = plugin
            let (modality, windows) = try tokenizeInput(sample, with: plugin)
            return PreparedInput(
                source: sources?[index] ?? "sample \(index)", modality: modality, windows: windows,
                label: sample.modality)
        }
        return try embed(prepared: prepared, progress: progress)
    }

    /// Embeds tokenised inputs in batches per modality, keeping their order.
    func embed(prepared: [PreparedInput], progress: (@Sendable (Int, Int) -> Void)?) throws -> [Embedding] {
        var embeddings = [Embedding?](repeating: nil, count: prepared.count)
        var done = 0
        let byModality = Dictionary(grouping: prepared.indices, by: { prepared[$0].modality })
        for modality in byModality.keys.sorted(by: { $0.name < $1.name }) {
            let indices = byModality[modality]!
            let batchSize = Self.defaultBatchSizes[modality] ?? 8
            // Windows of all inputs, flattened so a batch may mix windows of different inputs, and sorted by
            // length (as sentence-transformers does) so a batch pads its items to similar lengths.
            let windows = indices.flatMap { index in prepared[index].windows.map { (index, $0) } }
                .enumerated().sorted { ($0.element.1.count, $0.offset) < ($1.element.1.count, $1.offset) }
                .map(\.element)
            var vectors: [Int: [[Float]]] = [:]
            for start in stride(from: 0, to: windows.count, by: batchSize) {
                let slice = windows[start..<min(start + batchSize, windows.count)]
                let rows = try model.run(slice.map(\.1), modality: modality).embeddings
                for (offset, (index, _)) in slice.enumerated() {
                    vectors[index, default: []].append(try rows.rows(offset..<(offset + 1)).scalars)
                }
                done += Set(slice.map(\.0)).count
                progress?(min(done, prepared.count), prepared.count)
            }
            for index in indices {
                embeddings[index] = Embedding(
                    vector: Self.unitMean(vectors[index] ?? []), modality: prepared[index].label,
                    modelID: model.id, sources: [prepared[index].source])
            }
        }
        return embeddings.compactMap { $0 }
    }

    // MARK: Helpers

    /// The first registered plugin producing `modality` samples (what `embed(text:)` and friends use).
    public func plugin(for modality: Modality) throws -> any ModalityPlugin {
        guard let plugin = registry.plugins.first(where: { $0.modality == modality }) else {
            throw FuseError.unsupportedSample(
                plugin: "registry",
                reason: "no registered plugin produces \(modality) samples "
                    + "(registered: \(registry.plugins.map { "\($0.id) (\($0.modality))" }.joined(separator: ", ")))")
        }
        return plugin
    }

    func tokenize(_ sample: Sample, with plugin: any ModalityPlugin) throws -> [Tokens] {
        let tokens = try plugin.tokenize(sample, context: preprocessingContext(for: plugin.modality))
        guard !tokens.isEmpty else {
            throw FuseError.unsupportedSample(plugin: plugin.id, reason: "produced no tokens for the input")
        }
        return tokens
    }

    /// The modality the model embeds an input of `modality` as: a sound is embedded as text when the runtime has a
    /// speech model ("audio as text"), everything else as itself.
    public func embeddedModality(of modality: Modality) -> Modality {
        speech != nil && modality == .audio ? .text : modality
    }

    /// The modality and tokens an input is embedded as: its plugin's, except a sound under "audio as text", which
    /// becomes its transcript's text tokens.
    func tokenizeInput(_ sample: Sample, with plugin: any ModalityPlugin) throws -> (Modality, [Tokens]) {
        guard let speech, case .audio(let audio) = sample else {
            return (plugin.modality, try tokenize(sample, with: plugin))
        }
        let transcript = try speech.transcribe(audio)
        return (.text, try tokenize(.text(transcript.text), with: self.plugin(for: .text)))
    }

    /// Embeds the windows of one input; several windows (a long text, a long recording) are averaged.
    /// `label` is the modality the result reports (a transcribed sound's is `audio`, embedded as `text`).
    func embedWindows(
        _ tokens: [Tokens], modality: Modality, source: String, label: Modality? = nil
    ) throws
        -> Embedding
    {
        let rows = try model.run(tokens, modality: modality).embeddings
        let vectors = try (0..<rows.shape[0]).map { try rows.rows($0..<($0 + 1)).scalars }
        return Embedding(
            vector: Self.unitMean(vectors), modality: label ?? modality, modelID: model.id, sources: [source])
    }

    /// The normalised mean of `vectors` (each normalised first, so long and short windows weigh the same): how the
    /// windows of one input become its embedding. Public so a caller that batches forward passes itself (the server)
    /// gives the same bits as `embed(files:)`.
    public static func unitMean(_ vectors: [[Float]]) -> [Float] {
        guard let width = vectors.first?.count else { return [] }
        var sum = [Float](repeating: 0, count: width)
        for vector in vectors {
            let norm = max(vector.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
            for index in 0..<width { sum[index] += vector[index] / norm }
        }
        let norm = max(sum.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
        return sum.map { $0 / norm }
    }
}

/// One decoded, tokenised input waiting for its forward pass.
struct PreparedInput: Sendable {
    let source: String
    /// The modality the model embeds the windows as.
    let modality: Modality
    let windows: [Tokens]
    /// The modality the embedding reports: the input's own (a transcribed sound stays `audio`).
    let label: Modality

    init(source: String, modality: Modality, windows: [Tokens], label: Modality? = nil) {
        self.source = source
        self.modality = modality
        self.windows = windows
        self.label = label ?? modality
    }
}

/// The runtime's plugin registry behind a lock, so plugins can be registered while other tasks embed.
final class LockedRegistry: @unchecked Sendable {
    private var registry: PluginRegistry
    private let lock = NSLock()

    init(_ registry: PluginRegistry) { self.registry = registry }

    var snapshot: PluginRegistry { lock.withLock { registry } }

    func mutate(_ body: (inout PluginRegistry) throws -> Void) throws {
        try lock.withLock { try body(&registry) }
    }
}
