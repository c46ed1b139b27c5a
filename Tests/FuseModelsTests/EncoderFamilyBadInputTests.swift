import Foundation
import FuseModels
import Testing

/// ModernBERT and DeBERTa configs that contradict themselves and checkpoints that lack tensors give named errors
/// listing what was expected (issue 21's bad-input list).
@Suite("ModernBERT and DeBERTa bad input")
struct EncoderFamilyBadInputTests {
    let copies = BadModelTests()

    func loadError(_ folder: URL) -> ModelError? {
        defer { try? FileManager.default.removeItem(at: folder) }
        return #expect(throws: ModelError.self) { try EncoderModel.load(directory: folder) }
    }

    func expectInvalidField(_ error: ModelError?, _ field: String, mentions: String) {
        guard case .invalidField(let file, let name, let reason) = error else {
            Issue.record("expected invalidField \(field), got \(String(describing: error))")
            return
        }
        #expect(file.hasSuffix("config.json") && name == field)
        #expect(reason.contains(mentions), "\(reason)")
    }

    @Test("global_attn_every_n_layers 0")
    func everyZeroLayers() throws {
        let error = loadError(try copies.brokenCopy(of: "modernbert") { $0["global_attn_every_n_layers"] = 0 })
        expectInvalidField(error, "global_attn_every_n_layers", mentions: "≥ 1")
    }

    @Test("layer_types that do not match num_hidden_layers or name unknown kinds")
    func layerTypes() throws {
        let short = loadError(try copies.brokenCopy(of: "modernbert-mlm") { $0["layer_types"] = ["full_attention"] })
        expectInvalidField(short, "layer_types", mentions: "num_hidden_layers is 5")
        let unknown = loadError(
            try copies.brokenCopy(of: "modernbert-mlm") {
                $0["layer_types"] = [
                    "full_attention", "chunked_attention", "full_attention", "full_attention",
                    "full_attention",
                ]
            })
        expectInvalidField(unknown, "layer_types", mentions: "chunked_attention")
    }

    @Test("a rotary type ModernBERT does not load")
    func ropeType() throws {
        let error = loadError(
            try copies.brokenCopy(of: "modernbert-mlm") { config in
                config["rope_parameters"] = ["full_attention": ["rope_type": "yarn", "rope_theta": 10.0]]
            })
        expectInvalidField(error, "rope_parameters.full_attention.rope_type", mentions: "yarn")
    }

    @Test("DeBERTa bucket counts below what log buckets need")
    func bucketCounts() throws {
        let one = loadError(try copies.brokenCopy(of: "deberta-v3") { $0["position_buckets"] = 1 })
        expectInvalidField(one, "position_buckets", mentions: "≥ 2")
        let narrow = loadError(try copies.brokenCopy(of: "deberta-v3") { $0["max_relative_positions"] = 5 })
        expectInvalidField(narrow, "max_relative_positions", mentions: "must exceed 5")
    }

    @Test("pos_att_type naming an unknown term, conv groups that do not divide the width")
    func attentionTermsAndGroups() throws {
        let term = loadError(try copies.brokenCopy(of: "deberta-v3") { $0["pos_att_type"] = "p2c|p2p" })
        expectInvalidField(term, "pos_att_type", mentions: "p2p")
        let groups = loadError(try copies.brokenCopy(of: "deberta-v2") { $0["conv_groups"] = 5 })
        expectInvalidField(groups, "conv_groups", mentions: "does not divide hidden_size 36")
    }

    @Test("missing tensors are listed together, with the checkpoint's prefix")
    func missingTensors() throws {
        let modern = loadError(
            try copies.brokenCopy(
                of: "modernbert-mlm",
                weights: [
                    "model.layers.2.attn.Wqkv.weight": "model.layers.2.attn.Wqkv_renamed.weight",
                    "model.layers.3.mlp.Wi.bias": "model.layers.3.mlp.Wi_renamed.bias",
                ]))
        guard case .missingTensors(_, let expected, let found) = modern else {
            Issue.record("\(String(describing: modern))")
            return
        }
        #expect(expected == ["model.layers.2.attn.Wqkv.weight", "model.layers.3.mlp.Wi.bias"])
        #expect(found.contains("model.layers.2.attn.Wqkv_renamed.weight"))

        let deberta = loadError(
            try copies.brokenCopy(
                of: "deberta-v2",
                weights: [
                    "deberta.encoder.rel_embeddings.weight": "deberta.encoder.rel_embeddings_gone.weight"
                ]))
        guard case .missingTensors(_, let debertaExpected, _) = deberta else {
            Issue.record("\(String(describing: deberta))")
            return
        }
        #expect(debertaExpected == ["deberta.encoder.rel_embeddings.weight"])

        let conv = loadError(
            try copies.brokenCopy(
                of: "deberta-v2",
                weights: [
                    "deberta.encoder.conv.conv.bias": "deberta.encoder.conv.conv.bias_gone",
                    "deberta.encoder.conv.LayerNorm.weight": "deberta.encoder.conv.LayerNorm.weight_gone",
                ]))
        guard case .missingTensors(_, let convExpected, _) = conv else {
            Issue.record("\(String(describing: conv))")
            return
        }
        #expect(convExpected == ["deberta.encoder.conv.conv.bias", "deberta.encoder.conv.LayerNorm.weight"])
    }
}
