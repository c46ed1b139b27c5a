import Foundation
import FuseCore
import FuseModels
import FuzzSupport

/// `config.json` of a model folder. The input becomes the folder's config.json beside a real tiny BERT checkpoint
/// (Tests/Fixtures/models/bert), so configs that parse go on to be checked against real weights; a config that
/// contradicts them must fail with an error, never a trap or a huge allocation.
let modelFolder: URL = {
    let folder = Scratch.folder("model")
    let source = Scratch.fixtures.appendingPathComponent("models/bert")
    for name in [
        "model.safetensors", "tokenizer.json", "tokenizer_config.json", "vocab.txt", "modules.json",
        "sentence_bert_config.json", "config_sentence_transformers.json", "1_Pooling", "2_Normalize",
    ] {
        let link = folder.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: link)
        try? FileManager.default.createSymbolicLink(at: link, withDestinationURL: source.appendingPathComponent(name))
    }
    return folder
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelConfig(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let url = modelFolder.appendingPathComponent("config.json")
    Scratch.write(UnsafeRawBufferPointer(start: start, count: count), to: "model/config.json")
    if let config = try? ConfigFile(url: url) {
        // Every typed accessor on every key, as a family would read them.
        for key in config.keys {
            _ = try? config.string(key)
            _ = try? config.int(key)
            _ = try? config.size(key)
            _ = try? config.double(key)
            _ = try? config.bool(key, default: false)
            _ = try? config.ints(key)
            _ = try? config.activation(key)
            if let nested = try? config.section(key) {
                for inner in nested.keys { _ = try? nested.int(inner); _ = try? nested.ints(inner) }
            }
        }
    }
    _ = try? EncoderModel.load(directory: modelFolder)
    return 0
}

@_cdecl("FuzzModelConfig_main")
public func fuzzModelConfigMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    // Globals are built before fuzzing starts, so their allocations are not charged to the first input.
    _ = modelFolder
    return runFuzzer(argc, argv) { data, size in
        guard let data else { return fuzzModelConfig(UnsafeRawPointer(bitPattern: 1)!, 0) }
        return fuzzModelConfig(UnsafeRawPointer(data), size)
    }
}
