import Foundation

/// The weights of a model: one safetensors file, or a folder with `model.safetensors` or a sharded checkpoint
/// (`model.safetensors.index.json` plus the shards it names). Accessors look the same in all three cases.
///
/// ```swift
/// let checkpoint = try SafetensorsCheckpoint(url: modelFolder)
/// let weight = try checkpoint.tensor("encoder.layer.0.attention.self.query.weight")
/// ```
public struct SafetensorsCheckpoint: Sendable {
    /// The file or folder this was opened from.
    public let url: URL
    /// The opened files: one, or each shard in the order the index first names it.
    public let files: [SafetensorsFile]
    /// Every tensor name, sorted.
    public let names: [String]
    /// The single file's `__metadata__`, or a sharded index's `metadata` (values as strings).
    public let metadata: [String: String]

    private let fileIndexByName: [String: Int]

    /// The shards' URLs (one element for an unsharded checkpoint).
    public var shards: [URL] { files.map(\.url) }
    /// True when the weights are split over an index and several files.
    public var isSharded: Bool { indexURL != nil }
    /// The `model.safetensors.index.json` read, if any.
    public let indexURL: URL?

    /// Opens a `.safetensors` file, or a folder holding `model.safetensors` or `model.safetensors.index.json`.
    public init(url: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw SafetensorsError.fileNotFound(path: url.path)
        }
        if !isDirectory.boolValue {
            if url.lastPathComponent.hasSuffix(".index.json") {
                try self.init(indexURL: url, checkpointURL: url)
                return
            }
            let file = try SafetensorsFile(url: url)
            self.init(url: url, single: file)
            return
        }
        let single = url.appendingPathComponent("model.safetensors")
        let index = url.appendingPathComponent("model.safetensors.index.json")
        if FileManager.default.fileExists(atPath: single.path) {
            self.init(url: url, single: try SafetensorsFile(url: single))
        } else if FileManager.default.fileExists(atPath: index.path) {
            try self.init(indexURL: index, checkpointURL: url)
        } else {
            let found = (try? FileManager.default.contentsOfDirectory(atPath: url.path))?.sorted() ?? []
            throw SafetensorsError.noCheckpoint(directory: url.path, found: found)
        }
    }

    private init(url: URL, single file: SafetensorsFile) {
        self.url = url
        files = [file]
        names = file.names.sorted()
        metadata = file.metadata
        fileIndexByName = Dictionary(uniqueKeysWithValues: file.names.map { ($0, 0) })
        indexURL = nil
    }

    private init(indexURL: URL, checkpointURL: URL) throws {
        let path = indexURL.path
        let index = try ShardIndex(url: indexURL)
        let folder = indexURL.deletingLastPathComponent()
        var files: [SafetensorsFile] = []
        var fileIndexByShard: [String: Int] = [:]
        var fileIndexByName: [String: Int] = [:]
        for (name, shard) in index.weightMap {
            let fileIndex: Int
            if let known = fileIndexByShard[shard] {
                fileIndex = known
            } else {
                files.append(try SafetensorsFile(url: folder.appendingPathComponent(shard)))
                fileIndex = files.count - 1
                fileIndexByShard[shard] = fileIndex
            }
            guard files[fileIndex].info(name) != nil else {
                throw SafetensorsError.invalidIndex(
                    path: path, reason: "tensor '\(name)' is mapped to shard '\(shard)', which does not contain it")
            }
            fileIndexByName[name] = fileIndex
        }
        url = checkpointURL
        self.files = files
        names = fileIndexByName.keys.sorted()
        metadata = index.metadata
        self.fileIndexByName = fileIndexByName
        self.indexURL = indexURL
    }

    /// True when the checkpoint has a tensor named `name`.
    public func contains(_ name: String) -> Bool { fileIndexByName[name] != nil }

    /// The dtype, shape and byte span of tensor `name`, or nil when there is none.
    public func info(_ name: String) -> TensorInfo? {
        fileIndexByName[name].flatMap { files[$0].info(name) }
    }

    /// Tensor `name` as Float32 (see `SafetensorsFile.tensor(_:)`); a missing name throws `missingTensor` listing
    /// similar names.
    public func tensor(_ name: String) throws -> Tensor { try file(containing: name).tensor(name) }

    /// The stored bytes of tensor `name` (see `SafetensorsFile.rawBytes(_:)`).
    public func rawBytes(_ name: String) throws -> Data { try file(containing: name).rawBytes(name) }

    /// An integer or boolean tensor widened to `Int64` (see `SafetensorsFile.integers(_:)`).
    public func integers(_ name: String) throws -> [Int64] { try file(containing: name).integers(name) }

    /// Total number of elements over all tensors.
    public var parameterCount: Int { names.reduce(0) { $0 + (info($1)?.count ?? 0) } }

    private func file(containing name: String) throws -> SafetensorsFile {
        guard let index = fileIndexByName[name] else {
            throw SafetensorsError.missingTensor(
                path: (indexURL ?? files.first?.url ?? url).path, tensor: name,
                nearMisses: NearMisses.names(similarTo: name, among: names))
        }
        return files[index]
    }
}

/// `model.safetensors.index.json`: `{"metadata": {...}, "weight_map": {"tensor name": "shard file name"}}`.
struct ShardIndex {
    /// (tensor, shard) pairs in a stable order (by shard, then tensor).
    let weightMap: [(String, String)]
    let metadata: [String: String]

    init(url: URL) throws {
        let path = url.path
        let data: Data
        do {
            data = try FileContents.data(at: url)
        } catch {
            throw SafetensorsError.unreadable(path: path, reason: FileErrorReason.describe(error))
        }
        let parsed = try JSONErrorReason.jsonObject(data) { SafetensorsError.invalidIndex(path: path, reason: $0) }
        guard let root = parsed as? [String: Any] else {
            throw SafetensorsError.invalidIndex(path: path, reason: "not a JSON object")
        }
        guard let map = root["weight_map"] as? [String: Any], !map.isEmpty else {
            throw SafetensorsError.invalidIndex(path: path, reason: "missing or empty 'weight_map' object")
        }
        var pairs: [(String, String)] = []
        for (name, value) in map {
            guard let shard = value as? String else {
                throw SafetensorsError.invalidIndex(path: path, reason: "shard of '\(name)' is not a string")
            }
            // Shards must sit beside the index: no paths, so a crafted index cannot reach other files.
            guard !shard.isEmpty, shard != ".", shard != "..", !shard.contains("/"), !shard.contains("\\") else {
                throw SafetensorsError.invalidIndex(
                    path: path, reason: "shard name '\(shard)' of '\(name)' is not a plain file name")
            }
            pairs.append((name, shard))
        }
        weightMap = pairs.sorted { ($0.1, $0.0) < ($1.1, $1.0) }
        var metadata: [String: String] = [:]
        if let raw = root["metadata"] as? [String: Any] {
            for (key, value) in raw { metadata[key] = (value as? String) ?? "\(value)" }
        }
        self.metadata = metadata
    }
}
