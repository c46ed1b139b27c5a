import Foundation

/// A decoder-only language model: token ids in, next-token logits out, with a ``KVCache`` for incremental decoding.
///
/// Models run one sequence at a time; the heavy products (`[tokens, hidden] × weights`) are BLAS GEMMs over all
/// the sequence's new tokens at once, which keeps both cores busy.
public protocol CausalLanguageModel: Sendable {
    var config: CausalLMConfig { get }
    /// The folder the model was loaded from (for messages and manifests).
    var folder: URL { get }
    /// The output-embedding matrix `[vocab, hidden]` (the token embeddings when tied).
    var outputEmbedding: Tensor { get }

    /// Final hidden states (after the last norm) `[ids.count, hidden]` for `ids` placed after the cache's
    /// positions; the ids' keys and values are appended to `cache`.
    func hiddenStates(_ ids: [Int32], cache: KVCache) throws -> Tensor
}

extension CausalLanguageModel {
    /// A cache able to hold `capacity` positions (at most the model's maximum).
    public func makeCache(capacity: Int? = nil) -> KVCache {
        KVCache(layers: config.layers, width: config.keyValueHeads * config.headDim,
                capacity: min(capacity ?? config.maxPositions, config.maxPositions))
    }

    /// Next-token logits `[ids.count, vocab]` for `ids` after the cache's positions.
    public func logits(_ ids: [Int32], cache: KVCache) throws -> Tensor {
        let hidden = try hiddenStates(ids, cache: cache)
        let vocab = config.vocabSize, width = config.hiddenSize
        return Tensor(shape: [ids.count, vocab]) { out in
            hidden.withUnsafeBufferPointer { h in
                outputEmbedding.withUnsafeBufferPointer { w in
                    Kernels.gemm(transposeA: false, transposeB: true, m: ids.count, n: vocab, k: width,
                                 a: h.baseAddress!, lda: width, b: w.baseAddress!, ldb: width,
                                 c: out.baseAddress!, ldc: vocab)
                }
            }
        }
    }

    /// Checks ids against the vocabulary and the cache/positions capacity before a forward pass.
    func validate(_ ids: [Int32], cache: KVCache) throws {
        guard !ids.isEmpty else {
            throw LLMError.invalidOption(name: "input ids", reason: "empty sequence")
        }
        if let bad = ids.first(where: { $0 < 0 || Int($0) >= config.vocabSize }) {
            throw LLMError.invalidOption(name: "input ids", reason: "id \(bad) outside the vocabulary of \(config.vocabSize) (\(folder.lastPathComponent))")
        }
        guard cache.length + ids.count <= cache.capacity else {
            throw LLMError.windowTooLarge(model: folder.lastPathComponent, window: cache.length + ids.count,
                                          maxPositions: cache.capacity)
        }
    }
}

/// Opens causal LMs from Hugging Face folders (`config.json` + `model.safetensors` or a sharded index).
public enum CausalLMLoader {
    /// Loads the model in `folder`, dispatching on `config.json`'s `model_type`.
    public static func load(folder: URL) throws -> any CausalLanguageModel {
        try FuseError.requireDirectory(folder)
        let config = try CausalLMConfig.load(folder: folder)
        let weights = try WeightStore(folder: folder)
        switch config.family {
        case .gpt2: return try GPT2Model(config: config, weights: weights, folder: folder)
        case .llama: return try LlamaModel(config: config, weights: weights, folder: folder)
        }
    }
}

/// Named, shape-checked access to a checkpoint's tensors.
struct WeightStore {
    let checkpoint: SafetensorsCheckpoint
    let folder: URL

    init(folder: URL) throws {
        self.folder = folder
        let index = folder.appendingPathComponent("model.safetensors.index.json")
        let single = folder.appendingPathComponent("model.safetensors")
        let url = FileManager.default.fileExists(atPath: index.path) ? index : single
        checkpoint = try SafetensorsCheckpoint(url: url)
    }

    func contains(_ name: String) -> Bool { checkpoint.contains(name) }

    /// The tensor `name`, which must have `shape`.
    func tensor(_ name: String, _ shape: [Int]) throws -> Tensor {
        guard checkpoint.contains(name) else {
            throw LLMError.invalidWeights(folder: folder.path, tensor: name, reason: "missing from the checkpoint")
        }
        let tensor = try checkpoint.tensor(name)
        guard tensor.shape == shape else {
            throw LLMError.invalidWeights(folder: folder.path, tensor: name, reason: "shape \(tensor.shape), expected \(shape)")
        }
        return tensor
    }
}
