import Foundation

/// What a plugin claims: file extensions, MIME types and magic-byte signatures.
public struct PluginClaims: Sendable, Equatable {
    /// Lower-case extensions without the dot, e.g. `["png"]`.
    public var extensions: [String]
    public var mimeTypes: [String]
    public var signatures: [MagicSignature]

    public init(extensions: [String] = [], mimeTypes: [String] = [], signatures: [MagicSignature] = []) {
        self.extensions = extensions.map { $0.lowercased() }
        self.mimeTypes = mimeTypes
        self.signatures = signatures
    }
}

/// Bytes that identify a format at a fixed offset from the start of a file.
public struct MagicSignature: Sendable, Equatable {
    public var offset: Int
    public var bytes: [UInt8]

    public init(offset: Int = 0, bytes: [UInt8]) {
        self.offset = offset
        self.bytes = bytes
    }

    /// Builds a signature from ASCII text, e.g. `MagicSignature(ascii: "RIFF")`.
    public init(offset: Int = 0, ascii: String) {
        self.init(offset: offset, bytes: Array(ascii.utf8))
    }

    public func matches(_ prefix: [UInt8]) -> Bool {
        guard prefix.count >= offset + bytes.count else { return false }
        return Array(prefix[offset..<(offset + bytes.count)]) == bytes
    }
}

/// How sure a plugin is that it can read content it has sniffed.
public enum SniffVerdict: Sendable, Equatable {
    /// A magic signature matched: the format is known.
    case definite
    /// Nothing contradicts the plugin (e.g. bytes that are valid UTF-8 text): used only when no
    /// signature or extension settles the question.
    case possible
    case no
}

/// What a model tells a plugin about the tokens it needs. Plugins know formats, not models: the model
/// (or the caller) fills these in, and plugins read the preprocessing files they understand
/// (`tokenizer.json`, `preprocessor_config.json`, …) from `modelDirectory`.
public struct PreprocessingContext: Sendable {
    /// The model folder holding tokenizer and preprocessor files, when there is one.
    public var modelDirectory: URL?
    /// Longest token sequence the model accepts (text windows, audio frames); nil: the plugin's default.
    public var maxTokens: Int?
    /// Tokens shared by consecutive windows of a long input; nil: the plugin's default.
    public var windowOverlap: Int?
    /// Patch edge in pixels or frames (images and spectrograms).
    public var patchSize: Int?
    /// Patch stride per axis when patches overlap (AST uses 10 × 10 over 16 × 16 patches).
    public var patchStride: [Int]?
    /// Free-form settings a specific plugin documents (e.g. `"recipe": "imagebind"`).
    public var options: [String: String]

    public init(
        modelDirectory: URL? = nil, maxTokens: Int? = nil, windowOverlap: Int? = nil,
        patchSize: Int? = nil, patchStride: [Int]? = nil, options: [String: String] = [:]
    ) {
        self.modelDirectory = modelDirectory
        self.maxTokens = maxTokens
        self.windowOverlap = windowOverlap
        self.patchSize = patchSize
        self.patchStride = patchStride
        self.options = options
    }
}

/// Turns files of one modality into tokens. Built-in plugins and third-party ones (Swift, or loaded through
/// the C ABI) implement the same protocol.
///
/// `decode` reads a file into a `Sample`; `tokenize` turns a sample into one or more token sequences (a long
/// document becomes several windows; some audio recipes take several clips).
public protocol ModalityPlugin: Sendable {
    /// A stable identifier, e.g. `"image-patch"`.
    var id: String { get }
    /// The modality of the samples the plugin produces.
    var modality: Modality { get }
    /// Extensions, MIME types and signatures the plugin claims.
    var claims: PluginClaims { get }

    /// Judges whether the plugin can read content starting with `prefix` (the first bytes of a file).
    func sniff(_ prefix: [UInt8]) -> SniffVerdict
    /// Reads a file into a sample. Errors name the file and what is wrong with it.
    func decode(contentsOf url: URL) throws -> Sample
    /// Turns a sample into token sequences for a model.
    func tokenize(_ sample: Sample, context: PreprocessingContext) throws -> [Tokens]
}

extension ModalityPlugin {
    /// Default sniffing: definite when one of the claimed signatures matches.
    public func sniff(_ prefix: [UInt8]) -> SniffVerdict {
        claims.signatures.contains { $0.matches(prefix) } ? .definite : .no
    }
}
