import Foundation

/// The built-in image plugin: PNG and JPEG files → RGB samples → patch tokens.
///
/// `tokenize` preprocesses with the model's `preprocessor_config.json` (read once per model folder and cached)
/// or with a named recipe, then cuts the `[3, H, W]` tensor into `[N, 3·p·p]` patch features in Conv2d-weight
/// order. Context it reads:
/// - `modelDirectory`: folder holding `preprocessor_config.json`;
/// - `options["recipe"]`: `clip`, `vit`, `imagebind` or `meta-transformer` (takes precedence over the folder);
///   with neither, the CLIP recipe is used;
/// - `patchSize`: patch edge in pixels (default 16);
/// - `options["frames"]`: repeat the image into this many frames for a Conv3d patch embedding (ImageBind uses 2;
///   default 1), giving `[N, 3·frames·p·p]`.
public struct ImagePlugin: ModalityPlugin {
    public let id = "image-patch"
    public let modality: Modality = .image
    public let claims = PluginClaims(
        extensions: ["png", "jpg", "jpeg", "jpe", "jfif"],
        mimeTypes: ["image/png", "image/jpeg"],
        signatures: [
            MagicSignature(bytes: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
            MagicSignature(bytes: [0xFF, 0xD8, 0xFF]),
        ])

    /// The decoder, with its pixel-count limit.
    public var decoder: ImageDecoder
    private let cache = PreprocessorCache()

    public init(decoder: ImageDecoder = ImageDecoder()) {
        self.decoder = decoder
    }

    public func decode(contentsOf url: URL) throws -> Sample {
        .image(try decoder.decode(contentsOf: url))
    }

    public func tokenize(_ sample: Sample, context: PreprocessingContext) throws -> [Tokens] {
        guard case .image(let image) = sample else {
            throw FuseError.unsupportedSample(plugin: id, reason: "expected an image sample, got \(sample.modality)")
        }
        let pixels = try preprocessor(for: context)(image)
        let patchSize = context.patchSize ?? 16
        var frames = 1
        if let text = context.options["frames"] {
            guard let value = Int(text), value > 0 else {
                throw FuseError.invalidArgument(
                    what: "option 'frames'", reason: "expected a positive integer, got '\(text)'")
            }
            frames = value
        }
        let patches =
            frames == 1
            ? try PatchExtractor.patches(pixels, patchSize: patchSize)
            : try PatchExtractor.temporalPatches(pixels, patchSize: patchSize, frames: frames)
        let grid = PatchExtractor.grid(height: pixels.shape[1], width: pixels.shape[2], patchSize: patchSize)
        return [try Tokens(modality: .image, content: .features(patches), grid: grid)]
    }

    /// The preprocessor a context asks for: a named recipe, the model folder's config, or CLIP's defaults.
    public func preprocessor(for context: PreprocessingContext) throws -> ImagePreprocessor {
        if let name = context.options["recipe"] {
            guard let recipe = ImagePreprocessor.recipe(named: name) else {
                throw FuseError.invalidArgument(
                    what: "option 'recipe'",
                    reason: "unknown image recipe '\(name)' (known: clip, vit, imagebind, meta-transformer)")
            }
            return recipe
        }
        if let directory = context.modelDirectory {
            return try cache.preprocessor(at: directory.appendingPathComponent("preprocessor_config.json"))
        }
        return .clip()
    }
}

/// Parsed `preprocessor_config.json` files by path, shared by concurrent `tokenize` calls.
private final class PreprocessorCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: ImagePreprocessor] = [:]

    func preprocessor(at url: URL) throws -> ImagePreprocessor {
        let key = url.standardizedFileURL.path
        if let hit = lock.withLock({ entries[key] }) { return hit }
        // Parsing outside the lock: two first uses may both parse; both results are equal.
        let parsed = try ImagePreprocessor(configURL: url)
        lock.withLock { entries[key] = parsed }
        return parsed
    }
}
