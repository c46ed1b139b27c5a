import Foundation
import Testing
@testable import FuseCore

/// `CheckpointInspection` (what `fuse inspect` prints) on the transformers-written sharded fixture, whose index
/// records `total_parameters` as computed by transformers, and on malformed folders.
@Suite struct CheckpointInspectionTests {
    @Test func summarizesAShardedTransformersFolder() throws {
        let folder = Fixtures.url("core/safetensors/sharded")
        let inspection = try CheckpointInspection(url: folder)
        #expect(inspection.kind == "folder")
        #expect(inspection.shards.count == 5)
        #expect(inspection.tensors.count == 39)
        // transformers' own count, written into the index by save_pretrained.
        #expect("\(inspection.totalParameters)" == inspection.metadata["total_parameters"])
        #expect("\(inspection.totalBytes)" == inspection.metadata["total_size"])
        let config = try #require(inspection.config)
        #expect(config.modelType == "bert")
        #expect(config.architectures == ["BertModel"])
        #expect(config.hiddenSize == 8 && config.layers == 2 && config.attentionHeads == 2)
        #expect(config.intermediateSize == 16 && config.vocabSize == 50 && config.activation == "gelu")
        #expect(inspection.otherFiles == ["expected.json"])
    }

    @Test func countsIntegerTensorsAsBuffersNotParameters() throws {
        let inspection = try CheckpointInspection(url: Fixtures.url("core/safetensors/python_mixed.safetensors"))
        #expect(inspection.kind == "file")
        #expect(inspection.config == nil)
        #expect(inspection.totalParameters == 3)  // the F64 tensor
        #expect(inspection.bufferElements == 3 + 3 + 4 + 3 + 3)
    }

    @Test func summarizesNestedConfigsUnderTheirFamilyNames() {
        let summary = CheckpointInspection.summarize([
            "model_type": "clip",
            "text_config": [
                "hidden_size": 512, "num_hidden_layers": 12, "num_attention_heads": 8, "hidden_act": "quick_gelu",
            ],
            "vision_config": ["hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12],
        ])
        #expect(summary.modelType == "clip")
        #expect(summary.subConfigs?["text_config"]?.hiddenSize == 512)
        #expect(summary.subConfigs?["text_config"]?.activation == "quick_gelu")
        #expect(summary.subConfigs?["vision_config"]?.attentionHeads == 12)
        let gpt2 = CheckpointInspection.summarize(["model_type": "gpt2", "n_embd": 768, "n_layer": 12, "n_head": 12])
        #expect(gpt2.hiddenSize == 768 && gpt2.layers == 12 && gpt2.attentionHeads == 12)
    }

    @Test func malformedConfigIsNamed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-insp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try SafetensorsWriter.write(
            ["w": try Tensor(shape: [1], values: [1])],
            to: folder.appendingPathComponent("model.safetensors"))
        let config = folder.appendingPathComponent("config.json")
        try Data("{ not json".utf8).write(to: config)
        #expect(
            throws: FuseError.invalidConfig(
                file: config.path,
                reason: "line 1, column 3: expected a string key, found 'n'")
        ) {
            try CheckpointInspection(url: folder)
        }
    }
}
