import Foundation

/// What `fuse inspect` reports about a safetensors file or a Hugging Face model folder: the config summary, every
/// tensor with dtype and shape, the parameter count and the shards. `Codable` so the CLI can print it as JSON.
public struct CheckpointInspection: Codable, Sendable {
    /// One tensor's entry.
    public struct TensorEntry: Codable, Sendable {
        public let name: String
        public let dtype: String
        public let shape: [Int]
        /// Number of elements.
        public let parameters: Int
        /// The shard file holding it.
        public let file: String
    }

    /// The architecture numbers of a `config.json` (or of one of its sub-configs, e.g. CLIP's `text_config`).
    public struct ConfigSummary: Codable, Sendable {
        public let modelType: String?
        public let architectures: [String]?
        public let hiddenSize: Int?
        public let layers: Int?
        public let attentionHeads: Int?
        public let keyValueHeads: Int?
        public let intermediateSize: Int?
        public let vocabSize: Int?
        public let maxPositions: Int?
        public let activation: String?
        /// Summaries of nested configs (`text_config`, `vision_config`, `audio_config`, …) by key.
        public let subConfigs: [String: ConfigSummary]?
    }

    /// The file or folder inspected.
    public let path: String
    /// "file" or "folder".
    public let kind: String
    public let config: ConfigSummary?
    /// The shard files (one for an unsharded checkpoint), as names relative to the folder.
    public let shards: [String]
    public let metadata: [String: String]
    public let tensors: [TensorEntry]
    /// Elements of floating-point tensors: the model's parameters.
    public let totalParameters: Int
    /// Elements of integer and boolean tensors (buffers such as `position_ids`), not counted as parameters.
    public let bufferElements: Int
    /// Total bytes of tensor data over all shards.
    public let totalBytes: Int
    /// Other files in the folder a model needs (tokenizer, processor configs, …).
    public let otherFiles: [String]

    /// Inspects `url`: a `.safetensors` file, an index file, or a folder with weights and (optionally) `config.json`.
    public init(url: URL) throws {
        let checkpoint = try SafetensorsCheckpoint(url: url)
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
        path = url.path
        kind = isDirectory.boolValue ? "folder" : "file"
        let configURL = (isDirectory.boolValue ? url : url.deletingLastPathComponent()).appendingPathComponent(
            "config.json")
        config = isDirectory.boolValue || checkpoint.isSharded ? try Self.summarizeConfig(at: configURL) : nil
        shards = checkpoint.shards.map(\.lastPathComponent)
        metadata = checkpoint.metadata
        var tensors: [TensorEntry] = []
        var totalBytes = 0
        for name in checkpoint.names {
            guard let info = checkpoint.info(name) else { continue }
            let file = checkpoint.files.first { $0.info(name) != nil }?.url.lastPathComponent ?? ""
            tensors.append(
                TensorEntry(
                    name: name, dtype: info.dtype.rawValue, shape: info.shape, parameters: info.count, file: file))
            totalBytes += info.dataOffsets.count
        }
        self.tensors = tensors
        let floating = Set(SafetensorsDType.allCases.filter(\.isFloatingPoint).map(\.rawValue))
        totalParameters = tensors.filter { floating.contains($0.dtype) }.reduce(0) { $0 + $1.parameters }
        bufferElements = tensors.filter { !floating.contains($0.dtype) }.reduce(0) { $0 + $1.parameters }
        self.totalBytes = totalBytes
        if isDirectory.boolValue {
            let listed = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
            let weights = Set(shards + ["model.safetensors.index.json", "config.json"])
            otherFiles = listed.filter { !weights.contains($0) && !$0.hasPrefix(".") }.sorted()
        } else {
            otherFiles = []
        }
    }

    /// Reads `config.json` when present; a malformed one is an error, a missing one is not.
    static func summarizeConfig(at url: URL) throws -> ConfigSummary? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let data: Data
        do {
            data = try FileContents.data(at: url)
        } catch {
            throw FuseError.unreadable(path: url.path, reason: FileErrorReason.describe(error))
        }
        let parsed = try JSONErrorReason.jsonObject(data) { FuseError.invalidConfig(file: url.path, reason: $0) }
        guard let object = parsed as? [String: Any] else {
            throw FuseError.invalidConfig(file: url.path, reason: "not a JSON object")
        }
        return summarize(object)
    }

    /// Pulls the common fields out of a config, under the names different families use for them.
    static func summarize(_ object: [String: Any]) -> ConfigSummary {
        func integer(_ keys: String...) -> Int? {
            for key in keys { if let value = object[key].flatMap(JSONNumber.exactInteger) { return value } }
            return nil
        }
        func string(_ keys: String...) -> String? {
            for key in keys { if let value = object[key] as? String { return value } }
            return nil
        }
        var subConfigs: [String: ConfigSummary] = [:]
        for (key, value) in object where key.hasSuffix("_config") {
            if let nested = value as? [String: Any] { subConfigs[key] = summarize(nested) }
        }
        return ConfigSummary(
            modelType: string("model_type"),
            architectures: object["architectures"] as? [String],
            hiddenSize: integer("hidden_size", "d_model", "n_embd", "dim"),
            layers: integer("num_hidden_layers", "n_layer", "num_layers", "n_layers", "encoder_layers"),
            attentionHeads: integer("num_attention_heads", "n_head", "num_heads", "n_heads", "encoder_attention_heads"),
            keyValueHeads: integer("num_key_value_heads", "n_kv_heads"),
            intermediateSize: integer("intermediate_size", "ffn_dim", "n_inner", "encoder_ffn_dim", "hidden_dim"),
            vocabSize: integer("vocab_size"),
            maxPositions: integer("max_position_embeddings", "n_positions", "max_source_positions"),
            activation: string("hidden_act", "hidden_activation", "activation_function"),
            subConfigs: subConfigs.isEmpty ? nil : subConfigs)
    }
}
