import Foundation
import FuseModels
import FuseTestSupport
import Testing

/// A checkpoint another tool already quantized (config.json's `quantization_config`) is refused by name, by every
/// loader, before its packed tensors can surface as a dtype or shape error.
@Suite("Checkpoints quantized by other tools")
struct ForeignQuantizationTests {
    /// A scratch copy of `source` whose config.json gains `quantization_config`.
    func quantizedCopy(of source: URL, quantization: [String: Any]) throws -> URL {
        let destination = FileManager.default.temporaryDirectory
            .appendingPathComponent("fuse-quantized-\(source.lastPathComponent)-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: source, to: destination)
        let configURL = destination.appendingPathComponent("config.json")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as! [String: Any]
        config["quantization_config"] = quantization
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        return destination
    }

    @Test(
        "encoders, causal LMs and Whisper refuse a quantization_config, naming the file and its method",
        arguments: [
            (#"{"quant_method": "gptq", "bits": 4}"#, "gptq"),
            (#"{"quant_method": "awq"}"#, "awq"),
            (#"{"load_in_8bit": true}"#, "bitsandbytes"),
            (#"{"bits": 8}"#, "unnamed"),
        ])
    func refused(_ quantizationJSON: String, _ method: String) throws {
        let quantization = try JSONSerialization.jsonObject(with: Data(quantizationJSON.utf8)) as! [String: Any]
        for (kind, source) in [
            ("encoder", ModelFixtures.folder("vit")), ("whisper", ModelFixtures.folder("whisper-en")),
            ("causal", FixturePaths.url("llm/gpt2-a")),
        ] {
            let folder = try quantizedCopy(of: source, quantization: quantization)
            defer { try? FileManager.default.removeItem(at: folder) }
            var caught: ModelError?
            do {
                switch kind {
                case "encoder": _ = try EncoderModel.load(directory: folder)
                case "whisper": _ = try WhisperModel.load(directory: folder)
                default: _ = try CausalLMLoader.load(folder: folder)
                }
            } catch let error as ModelError {
                caught = error
            }
            let expected = ModelError.quantizedCheckpoint(
                file: folder.appendingPathComponent("config.json").path, method: method)
            #expect(caught == expected, "\(kind): \(caught.map { String(describing: $0) } ?? "loaded")")
            #expect(caught.map { String(describing: $0) }?.contains("--precision int8") == true)
        }
    }

    @Test("the unquantized fixtures still load")
    func unquantizedLoads() throws {
        _ = try EncoderModel.load(directory: ModelFixtures.folder("vit"))
        _ = try CausalLMLoader.load(folder: FixturePaths.url("llm/gpt2-a"))
    }
}
