import Foundation
import FuseCore

/// Errors raised while loading or running a model. Every case names the file (or tensor) and says what is wrong.
public enum ModelError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `config.json` names a `model_type` no registered family handles.
    case unknownModelType(file: String, modelType: String, known: [String])
    /// A required field is absent from a configuration file.
    case missingField(file: String, field: String)
    /// A field is present but has the wrong type or an unusable value.
    case invalidField(file: String, field: String, reason: String)
    /// The checkpoint lacks tensors the configuration requires. `found` lists the checkpoint's tensors that look
    /// closest (same prefix), so a misnamed tensor shows up beside the name that was expected.
    case missingTensors(file: String, expected: [String], found: [String])
    /// A tensor's shape differs from the one the configuration implies.
    case tensorShape(file: String, tensor: String, expected: [Int], found: [Int], because: String)
    /// The configuration and the weights disagree in a way no single tensor shape shows (e.g. the layer count).
    case configContradictsWeights(file: String, reason: String)
    /// The tokenizer produces ids the model's embedding table has no row for.
    case tokenizerVocabMismatch(file: String, tokenizerSize: Int, vocabSize: Int)
    /// An input token id lies outside the embedding table.
    case tokenOutOfRange(modality: String, id: Int32, vocabSize: Int)
    /// A token sequence is longer than the model's learned positions allow.
    case sequenceTooLong(modality: String, length: Int, limit: Int)
    /// An input is shorter than the least the model turns into one token (a waveform shorter than the conv
    /// feature encoder's receptive field).
    case inputTooShort(modality: String, length: Int, minimum: Int, unit: String)
    /// Feature tokens have the wrong width for the model's patch embedding.
    case featureWidth(modality: String, expected: Int, found: Int)
    /// The model has no tower for this modality, or the tokens are of the wrong kind for it.
    case unsupportedModality(model: String, modality: String, available: [String])
    /// No model folder exists where one was expected (with how to get one).
    case modelFolderMissing(path: String, hint: String)
    /// The checkpoint was quantized by another tool (`config.json`'s `quantization_config`: GPTQ, AWQ,
    /// bitsandbytes, …), a format Fuse does not load; `method` is its `quant_method`.
    case quantizedCheckpoint(file: String, method: String)

    public var description: String {
        switch self {
        case .unknownModelType(let file, let type, let known):
            return "\(file): unknown model_type '\(type)' (Fuse knows: \(known.joined(separator: ", ")))"
        case .missingField(let file, let field):
            return "\(file): missing field '\(field)'"
        case .invalidField(let file, let field, let reason):
            return "\(file): field '\(field)' \(reason)"
        case .missingTensors(let file, let expected, let found):
            let foundText =
                found.isEmpty
                ? "nothing similar"
                : found.prefix(12).joined(separator: ", ")
                    + (found.count > 12 ? ", … (\(found.count) in all)" : "")
            return "\(file): missing tensors: expected \(expected.prefix(12).joined(separator: ", "))"
                + (expected.count > 12 ? ", … (\(expected.count) in all)" : "") + "; found: \(foundText)"
        case .tensorShape(let file, let tensor, let expected, let found, let because):
            return "\(file): tensor '\(tensor)' has shape \(found), expected \(expected) (\(because))"
        case .configContradictsWeights(let file, let reason):
            return "\(file): config.json contradicts the weights: \(reason)"
        case .tokenizerVocabMismatch(let file, let tokenizerSize, let vocabSize):
            return "\(file): the tokenizer has \(tokenizerSize) tokens but the model's vocabulary has \(vocabSize) rows"
        case .tokenOutOfRange(let modality, let id, let vocabSize):
            return "\(modality) token id \(id) is outside the model's vocabulary of \(vocabSize)"
        case .sequenceTooLong(let modality, let length, let limit):
            return "\(modality) input of \(length) tokens exceeds the model's \(limit) positions"
        case .inputTooShort(let modality, let length, let minimum, let unit):
            return "\(modality) input of \(length) \(unit) is shorter than the model's minimum of \(minimum) \(unit) "
                + "(one frame of its feature encoder)"
        case .featureWidth(let modality, let expected, let found):
            return "\(modality) patch features have width \(found), the model's patch embedding expects \(expected)"
        case .unsupportedModality(let model, let modality, let available):
            return "model \(model) has no \(modality) tower (it embeds: \(available.joined(separator: ", ")))"
        case .modelFolderMissing(let path, let hint):
            return "\(path): model folder not found; \(hint)"
        case .quantizedCheckpoint(let file, let method):
            return "\(file): the checkpoint is already quantized (quantization_config, quant_method '\(method)'), "
                + "a format Fuse does not load; use the unquantized fp32, fp16 or bf16 checkpoint with --precision "
                + "int8 or bf16, which Fuse quantizes itself when it loads"
        }
    }
}
