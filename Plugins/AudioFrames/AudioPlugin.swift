import Foundation

/// The built-in audio plugin (`"audio-frames"`): decodes every container the linked libsndfile reads (WAV, FLAC,
/// OGG, AIFF, AU/SND, CAF, W64, RF64, VOC, MP3 and the rest of its list, asked at run time through
/// `SndFileFormats`) and turns audio into AST / Meta-Transformer / ImageBind spectrogram patches or wav2vec2 /
/// HuBERT waveforms.
///
/// Files are claimed by their magic bytes first (`AudioContainerSignatures`) and by extension second: libsndfile's
/// extension for each readable container plus the usual others (`aif`, `snd`, `sph`, `mp3`, `opus`, …).
///
/// `tokenize` picks its recipe from, in order: `context.options["recipe"]` (`"ast"`, `"meta-transformer"`,
/// `"imagebind"`, `"wav2vec2"`, or a path to a `preprocessor_config.json`), then `preprocessor_config.json` in
/// `context.modelDirectory` (its `feature_extractor_type` decides), else AST's defaults.
///
/// Spectrogram recipes: `context.patchSize` and `context.patchStride` (`[frequency, time]`) override the recipe's
/// 16 and 10 × 10; `context.windowOverlap` sets the frames shared by consecutive windows of long audio (default 0).
/// Each window or clip becomes one `Tokens` of `.features([F′·T′, p·p])` with `grid = [F′, T′]` in the order
/// `SpectrogramPatches` documents (HF `ASTEmbeddings`' `Conv2d` order).
///
/// The waveform recipe (`"wav2vec2"`, or a `Wav2Vec2FeatureExtractor` config — wav2vec2 and HuBERT models ask for
/// it) resamples to the config's rate and gives `.features([samples, 1])` per window, normalised as
/// `Wav2Vec2FeatureExtractor` does; `context.maxTokens`, when set, is the longest window in samples (default 30 s).
public struct AudioPlugin: ModalityPlugin {
    public let id = "audio-frames"
    public let modality = Modality.audio
    public let claims: PluginClaims
    /// The containers and encodings claimed: the linked libsndfile's, unless a test passes others.
    public let formats: SndFileFormats
    public var decoder: AudioDecoder
    private let cache = RecipeCache()

    public init(decoder: AudioDecoder = AudioDecoder(), formats: SndFileFormats = .linked) {
        self.decoder = decoder
        self.formats = formats
        claims = PluginClaims(
            extensions: formats.extensions, mimeTypes: formats.mimeTypes,
            signatures: AudioContainerSignatures.listedSignatures(formats: formats))
    }

    /// Definite for a distinctive header of a readable container (`RIFF`/`RIFX`/`RF64` … `WAVE`, `FORM` …
    /// `AIFF`/`AIFC`/`8SVX`, `.snd`, `fLaC`, `OggS`, `caff`, Wave64's GUIDs, `Creative Voice File`, an ID3v2 tag,
    /// …); possible for weak ones (a bare MPEG frame header, MATLAB, MIDI sample dump, MPC 2000); otherwise no.
    public func sniff(_ prefix: [UInt8]) -> SniffVerdict {
        AudioContainerSignatures.sniff(prefix, formats: formats)
    }

    public func decode(contentsOf url: URL) throws -> Sample {
        .audio(try decoder.decode(contentsOf: url))
    }

    public func tokenize(_ sample: Sample, context: PreprocessingContext) throws -> [Tokens] {
        guard case .audio(let audio) = sample else {
            throw FuseError.unsupportedSample(plugin: id, reason: "expected audio, got a \(sample.modality) sample")
        }
        let recipe: AudioPatchRecipe
        switch try audioRecipe(for: context) {
        case .waveform(let waveform): return try waveform.tokens(for: audio, maxSamples: context.maxTokens)
        case .patches(let patches): recipe = patches
        }
        let size = context.patchSize ?? recipe.patchSize
        let stride = context.patchStride ?? recipe.patchStride
        let overlap = context.windowOverlap ?? 0
        guard overlap >= 0, overlap < recipe.targetLength else {
            throw AudioError.invalidOption(
                name: "windowOverlap",
                reason: "\(overlap) frames; must be in "
                    + "0..<\(recipe.targetLength)")
        }
        let spectrograms = try recipe.spectrograms(for: audio, hopFrames: recipe.targetLength - overlap)
        return try spectrograms.map { spec in
            let patches = try SpectrogramPatches.extract(spec, patchSize: size, stride: stride)
            let grid = SpectrogramPatches.grid(
                frames: spec.shape[0], melBins: spec.shape[1], patchSize: size,
                stride: stride)
            return try Tokens(modality: .audio, content: .features(patches), grid: grid)
        }
    }

    /// The spectrogram recipe `tokenize` uses for `context`; an error when the context asks for the waveform.
    public func recipe(for context: PreprocessingContext) throws -> AudioPatchRecipe {
        switch try audioRecipe(for: context) {
        case .patches(let recipe): return recipe
        case .waveform(let recipe):
            throw AudioError.invalidRecipe(
                source: recipe.name,
                reason: "is a waveform recipe "
                    + "(Wav2Vec2FeatureExtractor), which has no spectrogram")
        }
    }

    /// The recipe `tokenize` uses for `context` (see the type's documentation for the order of precedence).
    public func audioRecipe(for context: PreprocessingContext) throws -> AudioRecipe {
        let folderConfig = context.modelDirectory.map { $0.appendingPathComponent("preprocessor_config.json") }
            .flatMap { FileManager.default.fileExists(atPath: $0.path) ? $0 : nil }
        if let name = context.options["recipe"] {
            switch name.lowercased() {
            case "ast", "meta-transformer", "metatransformer": return .patches(.ast)
            case "imagebind": return .patches(.imageBind)
            case "wav2vec2", "hubert", "waveform":
                // The model asks for its waveform; its folder's extractor config (if any) says rate and normalising.
                guard let folderConfig else { return .waveform(.wav2vec2) }
                let recipe = try cache.recipe(forConfig: folderConfig)
                guard case .waveform = recipe else {
                    throw AudioError.invalidRecipe(
                        source: folderConfig.path,
                        reason: "the model reads waveforms, "
                            + "but this is not a Wav2Vec2FeatureExtractor config")
                }
                return recipe
            default:
                let url = URL(fileURLWithPath: name)
                guard FileManager.default.fileExists(atPath: url.path) else {
                    throw AudioError.invalidRecipe(
                        source: name,
                        reason: "not a known recipe (ast, meta-transformer, "
                            + "imagebind, wav2vec2) nor an existing preprocessor_config.json")
                }
                return try cache.recipe(forConfig: url)
            }
        }
        if let folderConfig { return try cache.recipe(forConfig: folderConfig) }
        return .patches(.ast)
    }
}

extension AudioPlugin {
    /// Streaming `decode` + `tokenize` for long files: calls `body` with each window's (or clip's) tokens as soon as
    /// it is complete, holding only a few chunks of audio at a time. Same tokens as `tokenize(decode(url))`.
    /// The waveform recipe normalises each window over all its samples, so it decodes the file whole (within the
    /// decoder's `limits`) and then hands out its windows one by one.
    public func forEachTokens(
        contentsOf url: URL, context: PreprocessingContext, chunkFrames: Int = 1 << 17,
        _ body: (Tokens) throws -> Void
    ) throws {
        let recipe: AudioPatchRecipe
        switch try audioRecipe(for: context) {
        case .waveform(let waveform):
            for tokens in try waveform.tokens(for: decoder.decode(contentsOf: url), maxSamples: context.maxTokens) {
                try body(tokens)
            }
            return
        case .patches(let patches): recipe = patches
        }
        let size = context.patchSize ?? recipe.patchSize
        let stride = context.patchStride ?? recipe.patchStride
        let overlap = context.windowOverlap ?? 0
        guard overlap >= 0, overlap < recipe.targetLength else {
            throw AudioError.invalidOption(
                name: "windowOverlap",
                reason: "\(overlap) frames; must be in "
                    + "0..<\(recipe.targetLength)")
        }
        var limits = decoder.limits
        limits.maxDuration = .infinity
        let stream = AudioStream(
            url: url, recipe: recipe, hopFrames: recipe.targetLength - overlap, limits: limits,
            chunkFrames: chunkFrames)
        try stream.forEachSpectrogram { _, spec in
            let patches = try SpectrogramPatches.extract(spec, patchSize: size, stride: stride)
            let grid = SpectrogramPatches.grid(
                frames: spec.shape[0], melBins: spec.shape[1], patchSize: size,
                stride: stride)
            try body(Tokens(modality: .audio, content: .features(patches), grid: grid))
        }
    }
}
