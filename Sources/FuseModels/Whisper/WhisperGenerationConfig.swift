import Foundation
import FuseCore

/// The decoding fields of a Whisper `generation_config.json`, as `WhisperForConditionalGeneration.generate` reads
/// them: the start, end and `<|notimestamps|>` tokens (timestamps are every id after it), the tokens never emitted
/// (`suppress_tokens`) or not emitted first (`begin_suppress_tokens`), and for multilingual checkpoints the language
/// and task tokens.
public struct WhisperGenerationConfig: Sendable, Equatable {
    public var decoderStartTokenID: Int
    public var eosTokenID: Int
    public var noTimestampsTokenID: Int?
    public var suppressTokens: [Int]
    public var beginSuppressTokens: [Int]
    /// `<|en|>` → id; empty for English-only checkpoints (no language detection then).
    public var languageTokens: [String: Int]
    /// `transcribe` / `translate` → id.
    public var taskTokens: [String: Int]
    /// Prompt tokens after `<|startoftranscript|>` from `forced_decoder_ids` (nil: the language, to be detected).
    public var forcedPrompt: [Int?]
    /// The latest first timestamp allowed, in timestamp steps (`max_initial_timestamp_index`).
    public var maxInitialTimestampIndex: Int?
    /// The longest sequence, prompt included (`max_length`).
    public var maxLength: Int

    /// Defaults from the model config alone (no generation_config.json): no suppression, no timestamps.
    public init(model: WhisperConfig) {
        decoderStartTokenID = model.decoderStartTokenID
        eosTokenID = model.eosTokenID
        noTimestampsTokenID = nil
        suppressTokens = []
        beginSuppressTokens = []
        languageTokens = [:]
        taskTokens = [:]
        forcedPrompt = []
        maxInitialTimestampIndex = nil
        maxLength = model.maxTargetPositions
    }

    public init(_ file: ConfigFile, model: WhisperConfig) throws {
        self.init(model: model)
        if file.has("decoder_start_token_id") { decoderStartTokenID = try file.int("decoder_start_token_id") }
        if file.has("eos_token_id") { eosTokenID = try file.int("eos_token_id") }
        if file.has("no_timestamps_token_id") { noTimestampsTokenID = try file.int("no_timestamps_token_id") }
        if file.has("suppress_tokens") { suppressTokens = try file.ints("suppress_tokens") }
        if file.has("begin_suppress_tokens") { beginSuppressTokens = try file.ints("begin_suppress_tokens") }
        if file.has("max_initial_timestamp_index") {
            maxInitialTimestampIndex = try file.int("max_initial_timestamp_index")
        }
        maxLength = min(try file.size("max_length", default: model.maxTargetPositions), model.maxTargetPositions)
        languageTokens = try Self.tokenMap(file, "lang_to_id")
        taskTokens = try Self.tokenMap(file, "task_to_id")
        forcedPrompt = try Self.forcedPrompt(file)
        let ids =
            [decoderStartTokenID, eosTokenID] + (noTimestampsTokenID.map { [$0] } ?? []) + suppressTokens
            + beginSuppressTokens + Array(languageTokens.values) + Array(taskTokens.values)
            + forcedPrompt.compactMap { $0 }
        if let bad = ids.first(where: { !(0..<model.vocabSize).contains($0) }) {
            throw ModelError.invalidField(
                file: file.path, field: "token ids",
                reason: "name id \(bad), outside the model's vocabulary of \(model.vocabSize)")
        }
    }

    /// The first timestamp token (`<|0.00|>`), when the checkpoint has timestamps.
    public var timestampBegin: Int? { noTimestampsTokenID.map { $0 + 1 } }
    public var isMultilingual: Bool { !languageTokens.isEmpty }

    private static func tokenMap(_ file: ConfigFile, _ key: String) throws -> [String: Int] {
        guard file.has(key) else { return [:] }
        guard let map = file.object[key] as? [String: NSNumber] else {
            throw file.invalid(key, "should map token names to ids")
        }
        return try map.mapValues { number in
            guard let id = JSONNumber.exactInteger(number) else { throw file.invalid(key, "holds a non-integer id") }
            return id
        }
    }

    /// `forced_decoder_ids` `[[1, x], [2, y], …]` as the prompt after the start token (transformers reads them only
    /// while they follow positions 1, 2, …; a null is the language to detect).
    private static func forcedPrompt(_ file: ConfigFile) throws -> [Int?] {
        guard file.has("forced_decoder_ids") else { return [] }
        guard let pairs = file.object["forced_decoder_ids"] as? [[Any]] else {
            throw file.invalid("forced_decoder_ids", "should be a list of [position, token] pairs")
        }
        var prompt: [Int?] = []
        for (index, pair) in pairs.enumerated() {
            guard pair.count == 2, let position = pair[0] as? NSNumber, position.intValue == index + 1 else {
                throw file.invalid("forced_decoder_ids", "should give positions 1, 2, … in order")
            }
            prompt.append((pair[1] as? NSNumber).map(\.intValue))
        }
        return prompt
    }
}
