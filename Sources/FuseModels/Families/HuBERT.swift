import Foundation
import FuseCore

/// HuBERT (`model_type: hubert`, transformers' `HubertModel`): wav2vec2's architecture trained by masked
/// prediction of clustered units — conv feature encoder over the raw 16 kHz waveform, feature projection (with its
/// LayerNorm when `feat_proj_layer_norm`, the default), positional conv embedding (weight-normed, or after a
/// `BatchNorm1d` when `conv_pos_batch_norm`), then post-LN blocks (base) or pre-LN blocks with a final LayerNorm
/// (`do_stable_layer_norm`, large / x-large). Checkpoints saved from `HubertForCTC` (`hubert.` prefix) load too.
///
/// The embedding is the unit-normalised mean of `last_hidden_state` over the frames. The audio plugin feeds it
/// the `Wav2Vec2FeatureExtractor` recipe of the folder's `preprocessor_config.json`.
public enum HuBERTFamily: ModelFamily {
    public static let modelTypes = ["hubert"]

    public static func load(directory: URL, config: ConfigFile) throws -> EncoderModel {
        try SpeechEncoderLoader.load(
            directory: directory, config: config, modelType: "hubert",
            projectionNorm: try config.bool("feat_proj_layer_norm", default: true),
            positionBatchNorm: try config.bool("conv_pos_batch_norm", default: false))
    }
}
