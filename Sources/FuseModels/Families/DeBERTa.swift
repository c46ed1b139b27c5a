import Foundation
import FuseCore

/// DeBERTa-v2 and v3 (`model_type: deberta-v2`; transformers' `modeling_deberta_v2.py`): word embeddings
/// (`embedding_size` wide, projected by `embed_proj` when that differs from `hidden_size`), absolute positions only
/// when `position_biased_input`, token types only when `type_vocab_size` > 0, a LayerNorm; post-LN blocks with
/// disentangled attention — relative positions in log buckets (`position_buckets`, `max_relative_positions`), the
/// c2p and p2c terms `pos_att_type` names (a list or `"p2c|c2p"`), position projections shared with the content
/// ones under `share_att_key`, relative embeddings normalised when `norm_rel_ebd` says `layer_norm` — and the
/// optional convolution after the first block (`conv_kernel_size`, `conv_groups`, `conv_act`). Checkpoint keys may
/// sit under `deberta.` (task-head checkpoints). Pooling follows the folder's sentence-transformers config; a plain
/// folder is mean-pooled.
public enum DeBERTaV2Family: ModelFamily {
    public static let modelTypes = ["deberta-v2"]

    public static func load(directory: URL, config: ConfigFile) throws -> EncoderModel {
        let shape = try EncoderConfig.huggingFace(config, normPlacement: .post, defaultEpsilon: 1e-7)
        if config.has("attention_head_size"), try config.int("attention_head_size") != shape.headDim {
            throw config.invalid(
                "attention_head_size",
                "is \(try config.int("attention_head_size")); Fuse supports "
                    + "only hidden_size / num_attention_heads = \(shape.headDim)")
        }
        let d = shape.hiddenSize
        let vocab = try config.size("vocab_size")
        let maxPositions = try config.size("max_position_embeddings", default: 512)
        let embeddingWidth = try config.size("embedding_size", default: d)
        let types = try config.int("type_vocab_size", default: 0)
        guard types >= 0 else {
            throw config.invalid("type_vocab_size", "is \(types); expected 0 (no segments) or more")
        }
        let absolute = try config.bool("position_biased_input", default: true)
        let why =
            shape.shapeReason + ", vocab_size \(vocab), embedding_size \(embeddingWidth), "
            + "max_position_embeddings \(maxPositions), type_vocab_size \(types)"

        let weights = try Weights(directory: directory, anchor: "embeddings.word_embeddings.weight")
        let embedder = LookupEmbedder(
            modality: .text,
            table: try weights.tensor(
                "embeddings.word_embeddings.weight", shape: [vocab, embeddingWidth], because: why),
            positions: absolute
                ? try weights.tensor(
                    "embeddings.position_embeddings.weight",
                    shape: [maxPositions, embeddingWidth], because: why) : nil,
            tokenTypes: types > 0
                ? try weights.tensor(
                    "embeddings.token_type_embeddings.weight",
                    shape: [types, embeddingWidth], because: why) : nil,
            projection: embeddingWidth != d
                ? try weights.linear(
                    "embeddings.embed_proj", in: embeddingWidth, out: d,
                    bias: false, because: why) : nil,
            norm: try weights.layerNorm(
                "embeddings.LayerNorm", width: d, epsilon: shape.layerNormEpsilon, because: why),
            maxPositions: maxPositions)
        let layers = try weights.encoderLayers(shape, naming: .deberta())
        let relative = try relativeAttention(config, weights: weights, shape: shape, maxPositions: maxPositions)
        let encoder = try DeBERTaEncoder(
            config: shape, layers: layers, relative: relative,
            convolution: try convolution(config, weights: weights, shape: shape),
            scaleFactor: 1 + (try attentionTerms(config)).count)
        return try EncoderModel.textModel(
            directory: directory, modelType: "deberta-v2", embedder: embedder, encoder: encoder, vocabSize: vocab,
            positions: maxPositions)
    }

    /// `pos_att_type` as a list (`["p2c", "c2p"]`) or transformers' older string form (`"p2c|c2p"`).
    static func attentionTerms(_ config: ConfigFile) throws -> Set<String> {
        guard config.has("pos_att_type") else { return [] }
        let raw: [String]
        if let list = config.object["pos_att_type"] as? [String] {
            raw = list
        } else if let text = config.object["pos_att_type"] as? String {
            raw = text.split(separator: "|").map(String.init)
        } else {
            throw config.invalid(
                "pos_att_type", "should be a list of \"c2p\" / \"p2c\" or a string such as \"p2c|c2p\"")
        }
        let terms = raw.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        for term in terms where term != "c2p" && term != "p2c" {
            throw config.invalid("pos_att_type", "holds '\(term)'; expected \"c2p\" and/or \"p2c\"")
        }
        return Set(terms)
    }

    static func relativeAttention(
        _ config: ConfigFile, weights: Weights, shape: EncoderConfig,
        maxPositions: Int
    ) throws -> DeBERTaRelativeAttention? {
        let terms = try attentionTerms(config)
        guard try config.bool("relative_attention", default: false) else { return nil }
        let buckets = try config.int("position_buckets", default: -1)
        let configured = try config.int("max_relative_positions", default: -1)
        let maxRelative = configured < 1 ? maxPositions : configured
        if buckets > 0 {
            // make_log_bucket_position divides by buckets / 2 and by log((max_relative_positions − 1) / (buckets / 2)).
            guard buckets >= 2 else {
                throw config.invalid(
                    "position_buckets",
                    "is \(buckets); expected ≥ 2 (log buckets start at half of it), "
                        + "or ≤ 0 for raw relative distances")
            }
            guard maxRelative - 1 > buckets / 2 else {
                throw config.invalid(
                    "max_relative_positions",
                    "is \(maxRelative) (after defaulting to "
                        + "max_position_embeddings when < 1); with position_buckets \(buckets) it must exceed "
                        + "\(buckets / 2 + 1) so the log buckets have a range")
            }
        }
        let positions = RelativePositions(buckets: buckets, maxPosition: maxRelative)
        let d = shape.hiddenSize
        let why = "position_buckets \(buckets), max_relative_positions \(maxRelative), hidden_size \(d)"
        var embeddings = try weights.tensor(
            "encoder.rel_embeddings.weight", shape: [2 * positions.span, d], because: why)
        let normalisations = try config.string("norm_rel_ebd", default: "none").lowercased().split(separator: "|")
            .map { $0.trimmingCharacters(in: .whitespaces) }
        if normalisations.contains("layer_norm") {
            let norm = try weights.layerNorm(
                "encoder.LayerNorm", width: d, epsilon: shape.layerNormEpsilon, because: why)
            let rows = embeddings.shape[0]
            embeddings.withUnsafeMutableBufferPointer { norm.apply($0.baseAddress!, rows: rows) }
        }
        let share = try config.bool("share_att_key", default: false)
        func projections(_ name: String, term: String) throws -> [Linear?] {
            guard !share, terms.contains(term) else { return Array(repeating: nil, count: shape.layers) }
            let names = (0..<shape.layers).map { "encoder.layer.\($0).attention.self.\(name)" }
            try weights.require(names.flatMap { [$0 + ".weight", $0 + ".bias"] })
            return try names.map { try weights.linear($0, in: d, out: d, because: shape.shapeReason) }
        }
        return DeBERTaRelativeAttention(
            positions: positions, embeddings: embeddings, contentToPosition: terms.contains("c2p"),
            positionToContent: terms.contains("p2c"), positionKeys: try projections("pos_key_proj", term: "c2p"),
            positionQueries: try projections("pos_query_proj", term: "p2c"), shareAttentionKey: share)
    }

    static func convolution(_ config: ConfigFile, weights: Weights, shape: EncoderConfig) throws -> DeBERTaConvolution?
    {
        let kernel = try config.int("conv_kernel_size", default: 0)
        guard kernel > 0 else { return nil }
        let groups = try config.size("conv_groups", default: 1)
        let d = shape.hiddenSize
        guard d % groups == 0 else {
            throw config.invalid("conv_groups", "(\(groups)) does not divide hidden_size \(d)")
        }
        let actName = try config.string("conv_act", default: "tanh")
        let activation: Activation? = actName.lowercased() == "tanh" ? nil : try config.activation("conv_act")
        let why = "conv_kernel_size \(kernel), conv_groups \(groups), hidden_size \(d)"
        try weights.require([
            "encoder.conv.conv.weight", "encoder.conv.conv.bias", "encoder.conv.LayerNorm.weight",
            "encoder.conv.LayerNorm.bias",
        ])
        let weight = try weights.tensor("encoder.conv.conv.weight", shape: [d, d / groups, kernel], because: why)
        let inGroup = d / groups
        let taps = Tensor(shape: [kernel, d, inGroup]) { out in
            weight.withUnsafeBufferPointer { w in
                for o in 0..<d {
                    for c in 0..<inGroup {
                        for k in 0..<kernel { out[(k * d + o) * inGroup + c] = w[(o * inGroup + c) * kernel + k] }
                    }
                }
            }
        }
        return DeBERTaConvolution(
            taps: taps, bias: try weights.tensor("encoder.conv.conv.bias", shape: [d], because: why),
            kernelSize: kernel, groups: groups, activation: activation,
            norm: try weights.layerNorm(
                "encoder.conv.LayerNorm", width: d, epsilon: shape.layerNormEpsilon,
                because: why))
    }
}

extension LayerNaming {
    /// DeBERTa-v2: BERT's layout with `attention.self.{query,key,value}_proj`.
    static func deberta(stem: String = "encoder.layer") -> LayerNaming {
        LayerNaming(
            stem: stem, query: "attention.self.query_proj", key: "attention.self.key_proj",
            value: "attention.self.value_proj", fusedQKV: nil, output: "attention.output.dense",
            norm1: "attention.output.LayerNorm", fc1: "intermediate.dense", fc2: "output.dense",
            norm2: "output.LayerNorm")
    }
}
