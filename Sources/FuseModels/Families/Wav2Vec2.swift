import Foundation
import FuseCore

/// wav2vec 2.0 (`model_type: wav2vec2`, transformers' `Wav2Vec2Model`): conv feature encoder over the raw 16 kHz
/// waveform (`feat_extract_norm` "group": GroupNorm on the first conv; "layer": LayerNorm after each), LayerNorm +
/// linear feature projection, weight-normed positional conv embedding, then post-LN blocks (base) or pre-LN blocks
/// with a final LayerNorm (`do_stable_layer_norm`, large-lv60 and XLS-R). Checkpoints saved from a task head
/// (`wav2vec2.` prefix, e.g. `Wav2Vec2ForCTC`) load too; the head itself is not used.
///
/// The embedding is the unit-normalised mean of `last_hidden_state` over the frames. The adapter stacks of
/// `add_adapter` and `adapter_attn_dim` checkpoints are refused by name.
public enum Wav2Vec2Family: ModelFamily {
    public static let modelTypes = ["wav2vec2"]

    public static func load(directory: URL, config: ConfigFile) throws -> EncoderModel {
        guard try !config.bool("add_adapter", default: false) else {
            throw config.invalid("add_adapter", "is true: Fuse does not run wav2vec2's adapter layers")
        }
        guard !config.has("adapter_attn_dim") else {
            throw config.invalid("adapter_attn_dim", "is set: Fuse does not run wav2vec2's attention adapters")
        }
        return try SpeechEncoderLoader.load(
            directory: directory, config: config, modelType: "wav2vec2",
            projectionNorm: true, positionBatchNorm: false)
    }
}
