import Foundation
import FuseCore

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
    /// The vocabulary projection in a reduced precision, when the model was converted (nil: fp32 `outputEmbedding`).
    var outputProjection: Linear? { get }
    /// The precision the projections compute in.
    var precision: Precision { get }

    /// The model computing its projections (attention, MLPs or experts, the vocabulary projection) in
    /// `precision`; norms, rotary positions, attention scores, the routers and the softmax stay fp32.
    func converted(to precision: Precision) throws -> any CausalLanguageModel

    /// Final hidden states (after the last norm) `[ids.count, hidden]` for `ids` placed after the cache's
    /// positions; the ids' keys and values are appended to `cache`.
    func hiddenStates(_ ids: [Int32], cache: KVCache) throws -> Tensor
}

extension CausalLanguageModel {
    /// A cache able to hold `capacity` positions (at most the model's maximum).
    public func makeCache(capacity: Int? = nil) -> KVCache {
        KVCache(
            layers: config.layers, width: config.keyValueHeads * config.headDim,
            capacity: min(capacity ?? config.maxPositions, config.maxPositions))
    }

    /// Next-token logits `[ids.count, vocab]` (fp32) for `ids` after the cache's positions.
    public func logits(_ ids: [Int32], cache: KVCache) throws -> Tensor {
        let hidden = try hiddenStates(ids, cache: cache)
        let vocab = config.vocabSize, width = config.hiddenSize
        return Tensor(shape: [ids.count, vocab]) { out in
            hidden.withUnsafeBufferPointer { h in
                if let outputProjection {
                    outputProjection.apply(h.baseAddress!, rows: ids.count, output: out.baseAddress!)
                    return
                }
                outputEmbedding.withUnsafeBufferPointer { w in
                    Kernels.gemm(
                        transposeA: false, transposeB: true, m: ids.count, n: vocab, k: width,
                        a: h.baseAddress!, lda: width, b: w.baseAddress!, ldb: width,
                        c: out.baseAddress!, ldc: vocab)
                }
            }
        }
    }

    /// Checks ids against the vocabulary and the cache/positions capacity before a forward pass.
    func validate(_ ids: [Int32], cache: KVCache) throws {
        guard !ids.isEmpty else {
            throw FuseError.invalidArgument(what: "input ids for \(folder.lastPathComponent)", reason: "empty sequence")
        }
        if let bad = ids.first(where: { $0 < 0 || Int($0) >= config.vocabSize }) {
            throw ModelError.tokenOutOfRange(
                modality: "text (\(folder.lastPathComponent))", id: bad,
                vocabSize: config.vocabSize)
        }
        guard cache.length + ids.count <= cache.capacity else {
            throw ModelError.sequenceTooLong(
                modality: "text (\(folder.lastPathComponent))",
                length: cache.length + ids.count, limit: cache.capacity)
        }
    }
}

/// A causal LM family: reads its `config.json` fields and its weights. Adding one is a file conforming to this
/// protocol and a line in `CausalLMRegistry.families`; every family loads through `ConfigFile` and `Weights`, like the
/// encoders.
public protocol CausalLMFamily {
    /// The `model_type` values the family loads.
    static var modelTypes: [String] { get }
    /// The architecture `config` describes.
    static func config(_ config: ConfigFile) throws -> CausalLMConfig
    /// The model in `folder`, with `config` as `config(_:)` read it.
    static func load(folder: URL, config: CausalLMConfig) throws -> any CausalLanguageModel
}

/// The causal LM families Fuse knows, keyed by `model_type`.
public enum CausalLMRegistry {
    public static var families: [any CausalLMFamily.Type] {
        [GPT2Family.self, LlamaFamily.self, MixtralFamily.self, Qwen2MoEFamily.self, OLMoEFamily.self]
    }

    /// Every `model_type` some family loads, sorted.
    public static var modelTypes: [String] { families.flatMap { $0.modelTypes }.sorted() }

    /// The family of `config`'s `model_type`, or `ModelError.unknownModelType` listing the known ones.
    static func family(for config: ConfigFile) throws -> any CausalLMFamily.Type {
        let type = try config.string("model_type")
        guard let family = families.first(where: { $0.modelTypes.contains(type) }) else {
            throw ModelError.unknownModelType(file: config.path, modelType: type, known: modelTypes)
        }
        return family
    }
}

/// Opens causal LMs from Hugging Face folders (`config.json` + `model.safetensors` or a sharded index).
public enum CausalLMLoader {
    /// Loads the model in `folder`, dispatching on `config.json`'s `model_type`, to compute in `precision`
    /// (`.auto` resolved for this CPU). A CPU without the kernels gets the fp32 model; its `precision` says so.
    public static func load(folder: URL, precision: Precision = .fp32) throws -> any CausalLanguageModel {
        try FuseError.requireDirectory(folder)
        let file = try ConfigFile(url: folder.appendingPathComponent("config.json"))
        try file.refuseForeignQuantization()
        let family = try CausalLMRegistry.family(for: file)
        let model = try family.load(folder: folder, config: try family.config(file))
        guard precision.resolved != .fp32 else { return model }
        do { return try model.converted(to: precision.resolved) } catch is PrecisionUnavailable {
            return model  // the CPU cannot run it: the exact path, whose `precision` says fp32
        }
    }
}

extension Linear {
    /// A `[in, out]`-stored projection (GPT-2's `Conv1D`) as a Linear layer `[out, in]`, converted to `precision`.
    static func transposed(_ weight: Tensor, bias: Tensor?, precision: Precision) throws -> Linear {
        let (rows, columns) = (weight.shape[0], weight.shape[1])
        let flipped = Tensor(shape: [columns, rows]) { out in
            weight.withUnsafeBufferPointer { w in
                for r in 0..<rows { for c in 0..<columns { out[c * rows + r] = w[r * columns + c] } }
            }
        }
        return try Linear(weight: flipped, bias: bias).converted(to: precision)
    }
}
