import Foundation
import FuseCore

/// A loaded model: one tower per modality it embeds, all landing in one shared space, plus what its plugins need
/// to know (the preprocessing files' folder, patch sizes, token limits). Immutable and `Sendable`: load once,
/// call from any number of tasks.
///
/// ```swift
/// let model = try EncoderModel.load(directory: URL(fileURLWithPath: "models/all-MiniLM-L6-v2"))
/// let output = try model.run(tokens, modality: .text)   // output.embeddings: [batch, 384]
/// ```
public struct EncoderModel: Sendable {
    /// The folder name, used as the embeddings' model id.
    public let id: String
    public let directory: URL
    /// The `model_type` the model was loaded as.
    public let modelType: String
    public let towers: [Modality: Tower]
    /// What the plugin of each modality needs (model folder with its preprocessing files, limits, patch geometry).
    public let preprocessing: [Modality: PreprocessingContext]
    /// CLIP's learned temperature (`logit_scale`, before `exp`), when the model has one.
    public let logitScale: Float?
    /// The precision the transformer blocks compute in (`converted(to:)`).
    public let precision: Precision
    /// Why the model runs in another precision than was asked for (a CPU without the kernels), else nil.
    public let precisionNote: String?

    public init(
        directory: URL, modelType: String, towers: [Modality: Tower],
        preprocessing: [Modality: PreprocessingContext], logitScale: Float? = nil,
        precision: Precision = .fp32, precisionNote: String? = nil
    ) {
        id = directory.standardizedFileURL.lastPathComponent
        self.directory = directory
        self.modelType = modelType
        self.towers = towers
        self.preprocessing = preprocessing
        self.logitScale = logitScale
        self.precision = precision
        self.precisionNote = precisionNote
    }

    /// The modalities the model embeds, sorted by name.
    public var modalities: [Modality] { towers.keys.sorted { $0.name < $1.name } }

    /// The shared space's dimension (every tower projects to it).
    public var embeddingDimension: Int { towers.values.first?.outputDimension ?? 0 }

    /// The tower for `modality`, or an error naming the ones the model has.
    public func tower(for modality: Modality) throws -> Tower {
        guard let tower = towers[modality] else {
            throw ModelError.unsupportedModality(model: id, modality: modality.name, available: modalities.map(\.name))
        }
        return tower
    }

    /// Runs a batch of one modality's tokens through its tower.
    public func run(_ tokens: [Tokens], modality: Modality) throws -> TowerOutput {
        try tower(for: modality)(tokens)
    }

    /// Loads the model in `directory` (choosing the family by `config.json`'s `model_type`) to compute in
    /// `precision`.
    public static func load(directory: URL, precision: Precision) throws -> EncoderModel {
        try load(directory: directory).converted(to: precision)
    }

    /// Loads the model in `directory`, choosing the family by `config.json`'s `model_type`.
    public static func load(directory: URL) throws -> EncoderModel {
        try FuseError.requireDirectory(directory)
        let config = try ConfigFile(url: directory.appendingPathComponent("config.json"))
        try config.refuseForeignQuantization()
        let modelType = try config.string("model_type")
        guard let family = ModelRegistry.family(for: modelType) else {
            throw ModelError.unknownModelType(file: config.path, modelType: modelType, known: ModelRegistry.modelTypes)
        }
        let model = try family.load(directory: directory, config: config)
        // Every tower must land in the same space.
        let dimensions = Set(model.towers.values.map(\.outputDimension))
        guard dimensions.count <= 1 else {
            throw ModelError.configContradictsWeights(
                file: config.path, reason: "the towers project to different dimensions \(dimensions.sorted())")
        }
        return model
    }
}
