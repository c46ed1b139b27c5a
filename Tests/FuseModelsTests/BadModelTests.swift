import Foundation
import FuseModels
import Testing

/// Broken model folders and inputs give named errors that say what is wrong (issue 6's bad-input list).
@Suite("Bad model folders and inputs")
struct BadModelTests {
    /// A scratch copy of a fixture folder, with optional edits to config.json and the weights.
    func brokenCopy(
        of name: String, config edit: (inout [String: Any]) -> Void = { _ in },
        weights rename: [String: String] = [:]
    ) throws -> URL {
        let destination = FileManager.default.temporaryDirectory
            .appendingPathComponent("fuse-bad-\(name)-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: ModelFixtures.folder(name), to: destination)
        let configURL = destination.appendingPathComponent("config.json")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as! [String: Any]
        edit(&config)
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        if !rename.isEmpty {
            let weightsURL = destination.appendingPathComponent("model.safetensors")
            let file = try SafetensorsFile(url: weightsURL)
            var tensors: [String: Tensor] = [:]
            for name in file.names {
                tensors[rename[name] ?? name] = try Tensor(
                    shape: file.tensor(name).shape,
                    values: file.tensor(name).scalars)
            }
            try SafetensorsWriter.write(tensors, to: weightsURL, overwrite: true)
        }
        return destination
    }

    @Test("unknown model_type names the file and the known types")
    func unknownModelType() throws {
        let folder = try brokenCopy(of: "vit") { $0["model_type"] = "vot" }
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: ModelError.self) { try EncoderModel.load(directory: folder) }
        guard case .unknownModelType(let file, let type, let known) = error else {
            Issue.record("\(String(describing: error))"); return
        }
        #expect(file.hasSuffix("config.json") && type == "vot" && known.contains("vit"))
    }

    @Test("a missing config field is named with its path")
    func missingField() throws {
        let folder = try brokenCopy(of: "clip") { config in
            var text = config["text_config"] as! [String: Any]
            text["hidden_size"] = nil
            config["text_config"] = text
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: ModelError.self) { try EncoderModel.load(directory: folder) }
        #expect(
            error
                == .missingField(
                    file: folder.appendingPathComponent("config.json").path,
                    field: "text_config.hidden_size"))
    }

    @Test("a misnamed tensor: the error lists the expected name and the similar names found")
    func misnamedTensor() throws {
        let wrong = "encoder.layer.1.attention.attention.qery.weight"
        let folder = try brokenCopy(of: "vit", weights: ["encoder.layer.1.attention.attention.query.weight": wrong])
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: ModelError.self) { try EncoderModel.load(directory: folder) }
        guard case .missingTensors(_, let expected, let found) = error else {
            Issue.record("\(String(describing: error))"); return
        }
        #expect(expected == ["encoder.layer.1.attention.attention.query.weight"])
        #expect(found.contains(wrong))
        #expect(error!.description.contains("qery"))
    }

    @Test("a tensor shape contradicting the config is reported with the config fields")
    func shapeMismatch() throws {
        let folder = try brokenCopy(of: "vit") { $0["intermediate_size"] = 90 }
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: ModelError.self) { try EncoderModel.load(directory: folder) }
        guard case .tensorShape(_, let tensor, let expected, let found, let because) = error else {
            Issue.record("\(String(describing: error))"); return
        }
        #expect(tensor == "encoder.layer.0.intermediate.dense.weight")
        #expect(expected == [90, 48] && found == [84, 48] && because.contains("intermediate_size 90"))
    }

    @Test("a config with fewer layers than the weights contradicts them")
    func layerCountContradiction() throws {
        let folder = try brokenCopy(of: "bert") { $0["num_hidden_layers"] = 2 }
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: ModelError.self) { try EncoderModel.load(directory: folder) }
        guard case .configContradictsWeights(_, let reason) = error else {
            Issue.record("\(String(describing: error))"); return
        }
        #expect(reason.contains("num_hidden_layers is 2") && reason.contains("3 blocks"))
    }

    @Test("heads that do not divide the width")
    func headsDoNotDivide() throws {
        let folder = try brokenCopy(of: "ast") { $0["num_attention_heads"] = 5 }
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: ModelError.self) { try EncoderModel.load(directory: folder) }
        guard case .invalidField(_, let field, _) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(field == "num_attention_heads")
    }

    @Test("a tokenizer with more tokens than the vocabulary")
    func tokenizerDoesNotFit() throws {
        let folder = try brokenCopy(of: "bert")
        defer { try? FileManager.default.removeItem(at: folder) }
        let tokenizerURL = folder.appendingPathComponent("tokenizer.json")
        var tokenizer = try JSONSerialization.jsonObject(with: Data(contentsOf: tokenizerURL)) as! [String: Any]
        var added = tokenizer["added_tokens"] as? [[String: Any]] ?? []
        added.append([
            "id": 140, "content": "[EXTRA]", "special": true, "single_word": false, "lstrip": false,
            "rstrip": false, "normalized": false,
        ])
        tokenizer["added_tokens"] = added
        try JSONSerialization.data(withJSONObject: tokenizer).write(to: tokenizerURL)
        let error = #expect(throws: ModelError.self) { try EncoderModel.load(directory: folder) }
        // The written id 140 is not what the tokenizer emits: HF tokenizers (and FuseTokenizers) give a new added
        // token the vocabulary's size, 101, so the tokenizer produces 102 ids for a table of 101 rows.
        #expect(error == .tokenizerVocabMismatch(file: tokenizerURL.path, tokenizerSize: 102, vocabSize: 101))
    }

    @Test("inputs the model cannot take: ids outside the vocabulary, too long, wrong patch width, no such tower")
    func badInputs() throws {
        let bert = try EncoderModel.load(directory: ModelFixtures.folder("bert"))
        #expect(throws: ModelError.tokenOutOfRange(modality: "text", id: 500, vocabSize: 101)) {
            try bert.run([Tokens(modality: .text, content: .ids([2, 500, 3]))], modality: .text)
        }
        #expect(throws: ModelError.sequenceTooLong(modality: "text", length: 41, limit: 40)) {
            try bert.run([Tokens(modality: .text, content: .ids(Array(repeating: 5, count: 41)))], modality: .text)
        }
        #expect(throws: ModelError.self) { try bert.run([], modality: .image) }
        let vit = try EncoderModel.load(directory: ModelFixtures.folder("vit"))
        #expect(throws: ModelError.featureWidth(modality: "image", expected: 108, found: 100)) {
            try vit.run([Tokens(modality: .image, content: .features(Tensor(zeros: [25, 100])))], modality: .image)
        }
        #expect(throws: ModelError.sequenceTooLong(modality: "image", length: 26, limit: 25)) {
            try vit.run([Tokens(modality: .image, content: .features(Tensor(zeros: [26, 108])))], modality: .image)
        }
    }

    @Test("a folder that does not exist")
    func missingFolder() {
        #expect(throws: FuseError.fileNotFound(path: "/nonexistent/model")) {
            try EncoderModel.load(directory: URL(fileURLWithPath: "/nonexistent/model"))
        }
    }
}

/// wav2vec2 / HuBERT configs and checkpoints that contradict themselves.
@Suite("Bad wav2vec2 / HuBERT folders")
struct BadSpeechModelTests {
    let helper = BadModelTests()

    @Test("conv_dim, conv_kernel and conv_stride of different lengths are named with their lengths")
    func convListLengths() throws {
        let folder = try helper.brokenCopy(of: "hubert-group") { $0["conv_kernel"] = [10, 3, 3, 3, 3, 2] }
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: ModelError.self) { try EncoderModel.load(directory: folder) }
        guard case .invalidField(let file, let field, let reason) = error else {
            Issue.record("\(String(describing: error))"); return
        }
        #expect(file.hasSuffix("config.json") && field == "conv_dim")
        #expect(reason.contains("7, 6 and 7") && reason.contains("num_feat_extract_layers 7"))
    }

    @Test("a conv layer count that contradicts the checkpoint")
    func convLayerCount() throws {
        let folder = try helper.brokenCopy(of: "wav2vec2-layer") { config in
            config["conv_dim"] = [11, 7, 9, 9, 5]
            config["conv_kernel"] = [10, 3, 3, 3, 2]
            config["conv_stride"] = [5, 2, 2, 2, 2]
            config["num_feat_extract_layers"] = 5
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: ModelError.self) { try EncoderModel.load(directory: folder) }
        guard case .configContradictsWeights(_, let reason) = error else {
            Issue.record("\(String(describing: error))"); return
        }
        #expect(reason.contains("len(conv_dim) is 5") && reason.contains("6 blocks"))
    }

    @Test(
        "missing weight-norm tensors list every accepted name",
        arguments: [
            ("hubert-group", "encoder.pos_conv_embed.conv.parametrizations.weight.original0"),
            ("wav2vec2-group", "wav2vec2.encoder.pos_conv_embed.conv.weight_g"),
        ])
    func missingWeightNorm(_ name: String, _ tensor: String) throws {
        let folder = try helper.brokenCopy(
            of: name,
            weights: [
                tensor: tensor.replacingOccurrences(of: "original0", with: "magnitude")
                    .replacingOccurrences(of: "weight_g", with: "wg"),
                tensor.replacingOccurrences(of: "original0", with: "original1").replacingOccurrences(
                    of: "weight_g", with: "weight_v"):
                    "unrelated.v",
            ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: ModelError.self) { try EncoderModel.load(directory: folder) }
        guard case .missingTensors(_, let expected, _) = error else {
            Issue.record("\(String(describing: error))"); return
        }
        let prefix = name.hasPrefix("wav2vec2") ? "wav2vec2." : ""
        #expect(
            expected
                == [
                    "conv.parametrizations.weight.original0", "conv.parametrizations.weight.original1",
                    "conv.weight_g", "conv.weight_v", "conv.weight",
                ]
                .map { prefix + "encoder.pos_conv_embed." + $0 })
    }

    @Test("half a weight-norm pair names the other half")
    func halfWeightNorm() throws {
        let folder = try helper.brokenCopy(
            of: "hubert-group",
            weights: [
                "encoder.pos_conv_embed.conv.parametrizations.weight.original1": "encoder.pos_conv_embed.conv.v"
            ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: ModelError.self) { try EncoderModel.load(directory: folder) }
        guard case .missingTensors(_, let expected, let found) = error else {
            Issue.record("\(String(describing: error))"); return
        }
        #expect(expected == ["encoder.pos_conv_embed.conv.parametrizations.weight.original1"])
        #expect(found.contains("encoder.pos_conv_embed.conv.v"))
    }

    @Test(
        "contradicting or unsupported keys",
        arguments: [
            ("num_conv_pos_embedding_groups", "4", "does not divide hidden_size 33"),
            ("feat_extract_norm", "\"batch\"", "expected 'group' or 'layer'"),
            ("conv_stride", "[5, 2, 2, 0, 2, 2, 2]", "positive"),
        ])
    func badKeys(_ key: String, _ json: String, _ message: String) throws {
        let value = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed)
        let folder = try helper.brokenCopy(of: "hubert-group") { $0[key] = value }
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: ModelError.self) { try EncoderModel.load(directory: folder) }
        #expect(
            error?.description.contains(key) == true && error?.description.contains(message) == true,
            "\(String(describing: error))")
    }

    @Test("wav2vec2 adapters are refused by name")
    func adapters() throws {
        let folder = try helper.brokenCopy(of: "wav2vec2-group") { $0["add_adapter"] = true }
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: ModelError.self) { try EncoderModel.load(directory: folder) }
        #expect(error?.description.contains("add_adapter") == true)
    }
}
