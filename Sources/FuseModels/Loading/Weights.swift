import Foundation
import FuseCore

/// A checkpoint's tensors as a family reads them: names relative to the family's root (checkpoints saved from a
/// task head carry a prefix such as `vit.` or `bert.`, detected once), every read checked against the shape the
/// config implies, and missing tensors reported together with the closest names the checkpoint does hold.
public struct Weights {
    public let checkpoint: SafetensorsCheckpoint
    /// The weights file (or index) path, for error messages.
    public let file: String
    /// Prefix in front of every family-relative name (`""`, `"vit."`, …).
    public let prefix: String
    let names: Set<String>

    /// Opens the checkpoint in `directory` and finds the prefix under which `anchor` (a tensor every checkpoint of
    /// the family holds, e.g. `"embeddings.word_embeddings.weight"`) lives.
    public init(directory: URL, anchor: String) throws {
        checkpoint = try SafetensorsCheckpoint(url: directory)
        let weightsFile = directory.appendingPathComponent("model.safetensors")
        file =
            FileManager.default.fileExists(atPath: weightsFile.path)
            ? weightsFile.path : directory.appendingPathComponent("model.safetensors.index.json").path
        names = Set(checkpoint.names)
        if names.contains(anchor) {
            prefix = ""
        } else if let hit = names.filter({ $0.hasSuffix("." + anchor) }).min(by: { $0.count < $1.count }) {
            prefix = String(hit.dropLast(anchor.count))
        } else {
            throw ModelError.missingTensors(file: file, expected: [anchor], found: Self.similar(to: anchor, in: names))
        }
    }

    private init(checkpoint: SafetensorsCheckpoint, file: String, prefix: String, names: Set<String>) {
        self.checkpoint = checkpoint
        self.file = file
        self.prefix = prefix
        self.names = names
    }

    /// The same checkpoint read under another prefix (`""`: the checkpoint's root, where a causal LM keeps
    /// `lm_head` beside `model.`).
    public func reading(under prefix: String) -> Weights {
        Weights(checkpoint: checkpoint, file: file, prefix: prefix, names: names)
    }

    public func contains(_ name: String) -> Bool { names.contains(prefix + name) }

    /// Throws one error listing every name in `expected` the checkpoint lacks (so a renamed family of tensors
    /// is reported at once, not one by one).
    public func require(_ expected: [String]) throws {
        let missing = expected.filter { !contains($0) }
        guard !missing.isEmpty else { return }
        var found: [String] = []
        // Names the checkpoint holds near the missing ones, leaving out those that were expected anyway: what is
        // left is usually the misspelt or renamed tensor.
        let unexpected = names.subtracting(expected.map { prefix + $0 })
        for name in missing.prefix(4) { found += Self.similar(to: prefix + name, in: unexpected) }
        var seen = Set<String>()
        throw ModelError.missingTensors(
            file: file, expected: missing.map { prefix + $0 },
            found: found.filter { seen.insert($0).inserted })
    }

    /// The tensor `name`, which must have `shape`; `because` says where the expected shape comes from
    /// (e.g. `"hidden_size 48, intermediate_size 84"`).
    public func tensor(_ name: String, shape: [Int], because: String) throws -> Tensor {
        try require([name])
        let tensor = try checkpoint.tensor(prefix + name)
        guard tensor.shape == shape else {
            // A [1, N, D] parameter (ViT's position embeddings, class tokens) is the same data as [N, D].
            if tensor.count == Tensor.elementCount(ofShape: shape),
                tensor.shape.drop(while: { $0 == 1 }) == shape.drop(while: { $0 == 1 })
            {
                return try tensor.reshaped(shape)
            }
            throw ModelError.tensorShape(
                file: file, tensor: prefix + name, expected: shape, found: tensor.shape,
                because: because)
        }
        return tensor
    }

    /// Like `tensor`, but nil when the checkpoint does not hold `name`.
    public func optionalTensor(_ name: String, shape: [Int], because: String) throws -> Tensor? {
        contains(name) ? try tensor(name, shape: shape, because: because) : nil
    }

    /// A linear layer `name.weight` `[out, in]` with `name.bias` `[out]` (optional when `bias` is false).
    public func linear(
        _ name: String, in inputs: Int, out outputs: Int, bias: Bool = true,
        because: String
    ) throws -> Linear {
        let weight = try tensor(name + ".weight", shape: [outputs, inputs], because: because)
        let biasTensor = bias ? try tensor(name + ".bias", shape: [outputs], because: because) : nil
        return try Linear(weight: weight, bias: biasTensor)
    }

    /// A LayerNorm `name.weight` / `name.bias` of width `width`.
    public func layerNorm(_ name: String, width: Int, epsilon: Double, because: String) throws -> LayerNormWeights {
        LayerNormWeights(
            weight: try tensor(name + ".weight", shape: [width], because: because),
            bias: try tensor(name + ".bias", shape: [width], because: because),
            epsilon: Float(epsilon))
    }

    /// How many numbered blocks `<stem>.<i>.` the checkpoint holds (to compare with the config's layer count).
    public func blockCount(stem: String) -> Int {
        let head = prefix + stem + "."
        var indices = Set<Int>()
        for name in names where name.hasPrefix(head) {
            if let index = Int(name.dropFirst(head.count).prefix { $0 != "." }) { indices.insert(index) }
        }
        return indices.count
    }

    /// Checks that the checkpoint holds exactly `expected` blocks under `stem`.
    public func requireBlockCount(stem: String, expected: Int, field: String) throws {
        let found = blockCount(stem: stem)
        guard found == expected else {
            throw ModelError.configContradictsWeights(
                file: file,
                reason: "\(field) is \(expected) but the weights hold \(found) blocks under '\(prefix)\(stem).'")
        }
    }

    /// Names in `names` sharing the longest dotted prefix with `name`.
    static func similar(to name: String, in names: Set<String>) -> [String] {
        var parts = name.split(separator: ".").map(String.init)
        while !parts.isEmpty {
            parts.removeLast()
            let stem = parts.joined(separator: ".")
            let hits = names.filter { stem.isEmpty || $0.hasPrefix(stem + ".") }.sorted()
            if !hits.isEmpty { return Array(hits.prefix(8)) }
        }
        return Array(names.sorted().prefix(8))
    }
}
