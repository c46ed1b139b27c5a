import Foundation
import FuseCore
import FuseModels
import FuseTokenizers

/// A GLiNER model (urchade/GLiNER, span-level uni-encoder: `gliner_small/medium/large`, `gliner_multi`) loaded from
/// a folder holding `gliner_config.json`, `model.safetensors`, the backbone's `config.json` and the tokenizer with
/// GLiNER's added tokens (tools/convert_gliner.py makes such a folder from a Hub checkpoint). Immutable and
/// `Sendable`: load once, extract from any number of tasks.
///
/// `precision` applies to the backbone's transformer blocks only, through an NER recipe (`NERPrecisionRecipe`): the
/// relative-position projections, the projection to GLiNER's width, the LSTM and the span and label MLPs always
/// compute in fp32 (docs/NER.md gives the measured agreement with fp32).
///
/// ```swift
/// let model = try NERModel.load(directory: URL(fileURLWithPath: "models/gliner_small-v2.1"), precision: .int8)
/// let entities = try model.extract("Alice works at Acme in Paris.", labels: ["person", "organization", "city"])
/// ```
public struct NERModel: Sendable {
    public let directory: URL
    public let config: GLiNERConfig
    let tokenizer: Tokenizer
    /// The backbone (embedder + encoder stack of its text tower).
    let backbone: Tower
    /// The backbone's width → GLiNER's, when they differ (`token_rep_layer.projection`).
    let projection: Linear?
    let lstm: BidirectionalLSTM?
    let scorer: SpanScorer
    let ids: PromptTokenIDs
    /// Most tokens the backbone takes in one sequence.
    let maxTokens: Int
    /// The precision the backbone's transformer blocks compute in (`.auto` resolved for this CPU).
    public let precision: Precision
    /// Why the backbone runs in another precision than was asked for (a CPU without the kernels), else nil.
    public let precisionNote: String?
    /// The precision of each of the backbone's GEMMs (all fp32 when `precision` is fp32).
    public let recipe: NERPrecisionRecipe

    /// Loads the GLiNER folder `directory`, its backbone's transformer blocks in `precision` (fp32 by default; a CPU
    /// that cannot run the precision keeps fp32 and says so in `precisionNote`), with the NER recipe for that
    /// precision (`NERPrecisionRecipe.recipe(for:)`).
    public static func load(directory: URL, precision: Precision = .fp32) throws -> NERModel {
        try load(directory: directory, recipe: .recipe(for: precision))
    }

    /// Loads the GLiNER folder `directory`, its backbone's GEMMs in the precisions `recipe` names (a CPU that cannot
    /// run them keeps fp32 and says so in `precisionNote`).
    public static func load(directory: URL, recipe: NERPrecisionRecipe) throws -> NERModel {
        try FuseError.requireDirectory(directory)
        let configURL = directory.appendingPathComponent("gliner_config.json")
        let config = try GLiNERConfig(url: configURL)
        let backboneURL = directory.appendingPathComponent("config.json")
        let backboneConfig: ConfigFile
        if FileManager.default.fileExists(atPath: backboneURL.path) {
            backboneConfig = try ConfigFile(url: backboneURL)
        } else {
            let file = try ConfigFile(url: configURL)
            guard file.has("encoder_config") else { throw NERError.missingBackboneConfig(directory: directory.path) }
            backboneConfig = try file.section("encoder_config")
        }
        let modelType = try backboneConfig.string("model_type")
        guard let family = ModelRegistry.family(for: modelType) else {
            throw ModelError.unknownModelType(
                file: backboneConfig.path, modelType: modelType, known: ModelRegistry.modelTypes)
        }
        let encoder = try family.load(directory: directory, config: backboneConfig)
        var backbone = try encoder.tower(for: .text)
        var running = NERPrecisionRecipe.uniform(.fp32)
        var precisionNote: String?
        if recipe.precision != .fp32 {
            do {
                backbone = try recipe.apply(to: backbone)
                running = recipe
            } catch let unavailable as PrecisionUnavailable {
                precisionNote = "\(unavailable); running fp32"
            }
        }
        let tokenizerURL = directory.appendingPathComponent("tokenizer.json")
        let tokenizer = try Tokenizer.load(from: directory)
        let ids = try PromptTokenIDs(tokenizer: tokenizer, config: config, file: tokenizerURL.path)

        let weights = try Weights(directory: directory, anchor: "prompt_rep_layer.0.weight")
        let d = config.hiddenSize
        let backboneWidth = backbone.encoder.hiddenSize
        let why = "gliner_config.json hidden_size \(d), backbone hidden_size \(backboneWidth)"
        let projection =
            backboneWidth != d
            ? try weights.linear("token_rep_layer.projection", in: backboneWidth, out: d, because: why) : nil
        var lstm: BidirectionalLSTM?
        if config.rnnLayers == 1 {
            let h = d / 2
            func direction(_ suffix: String) throws -> BidirectionalLSTM.Direction {
                try BidirectionalLSTM.Direction(
                    inputWeights: weights.tensor("rnn.lstm.weight_ih_l0" + suffix, shape: [4 * h, d], because: why),
                    hiddenWeights: weights.tensor("rnn.lstm.weight_hh_l0" + suffix, shape: [4 * h, h], because: why),
                    inputBias: weights.tensor("rnn.lstm.bias_ih_l0" + suffix, shape: [4 * h], because: why),
                    hiddenBias: weights.tensor("rnn.lstm.bias_hh_l0" + suffix, shape: [4 * h], because: why))
            }
            lstm = BidirectionalLSTM(forward: try direction(""), backward: try direction("_reverse"))
        }
        func mlp(_ name: String, in inputs: Int, out outputs: Int) throws -> ProjectionMLP {
            ProjectionMLP(
                first: try weights.linear(name + ".0", in: inputs, out: 4 * outputs, because: why),
                second: try weights.linear(name + ".3", in: 4 * outputs, out: outputs, because: why))
        }
        let span = "span_rep_layer.span_rep_layer."
        let scorer = try SpanScorer(
            projectStart: try mlp(span + "project_start", in: d, out: d),
            projectEnd: try mlp(span + "project_end", in: d, out: d),
            outProject: try mlp(span + "out_project", in: 2 * d, out: d),
            promptProject: try mlp("prompt_rep_layer", in: d, out: d), maxWidth: config.maxWidth)
        return NERModel(
            directory: directory, config: config, tokenizer: tokenizer, backbone: backbone, projection: projection,
            lstm: lstm, scorer: scorer, ids: ids,
            maxTokens: encoder.preprocessing[.text]?.maxTokens ?? Int.max, precision: running.precision,
            precisionNote: precisionNote, recipe: running)
    }
}

/// The token ids a GLiNER prompt is made of, checked against the tokenizer once at load.
struct PromptTokenIDs: Sendable {
    let classToken: Int32
    let entity: Int32
    let separator: Int32
    let end: Int32

    init(tokenizer: Tokenizer, config: GLiNERConfig, file: String) throws {
        let missing = [config.entityToken, config.separatorToken].filter { tokenizer.id(forToken: $0) == nil }
        guard missing.isEmpty, let entity = tokenizer.id(forToken: config.entityToken),
            let separator = tokenizer.id(forToken: config.separatorToken)
        else { throw NERError.missingAddedTokens(file: file, tokens: missing) }
        guard let cls = tokenizer.clsTokenID, let sep = tokenizer.sepTokenID else {
            throw NERError.missingAddedTokens(
                file: file,
                tokens: (tokenizer.clsTokenID == nil ? ["[CLS]"] : []) + (tokenizer.sepTokenID == nil ? ["[SEP]"] : []))
        }
        classToken = cls
        self.entity = entity
        self.separator = separator
        end = sep
    }
}
