import Foundation
import FuseCore

/// Every trainable tensor of a BERT encoder in one flat buffer (llm.c's `ParameterTensors`), each at a fixed
/// offset under its Hugging Face name, so the optimiser sees one vector and the graph sees named slices. The
/// pooler is not part of it: sentence-transformers' mean pooling never reads it (it is saved back unchanged).
public final class BERTParameters: @unchecked Sendable {
    /// One tensor's place in the flat buffer.
    public struct Slot: Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        public let offset: Int
        public var count: Int { shape.reduce(1, *) }
    }

    public let shape: BERTShape
    /// The tensors in storage order.
    public let slots: [Slot]
    let values: FloatBuffer
    private let slotIndex: [String: Int]

    /// The number of trainable values.
    public var count: Int { values.count }

    /// Zeroed parameters laid out for `shape`.
    public init(shape: BERTShape) {
        self.shape = shape
        var slots: [Slot] = []
        var offset = 0
        for (name, dims) in Self.layout(shape) {
            slots.append(Slot(name: name, shape: dims, offset: offset))
            offset += dims.reduce(1, *)
        }
        self.slots = slots
        values = FloatBuffer(count: offset)
        slotIndex = Dictionary(uniqueKeysWithValues: slots.enumerated().map { ($1.name, $0) })
    }

    /// The Hugging Face names and shapes, in the order the forward pass uses them (a layer's query, key and value
    /// weights stacked, as are their biases).
    static func layout(_ s: BERTShape) -> [(String, [Int])] {
        let c = s.hidden
        var entries: [(String, [Int])] = [
            ("embeddings.word_embeddings.weight", [s.vocabSize, c]),
            ("embeddings.position_embeddings.weight", [s.maxPositions, c]),
            ("embeddings.token_type_embeddings.weight", [s.typeVocabSize, c]),
            ("embeddings.LayerNorm.weight", [c]), ("embeddings.LayerNorm.bias", [c]),
        ]
        for l in 0..<s.layers {
            let p = "encoder.layer.\(l)."
            entries += [
                // Query, key and value weights adjacent (one [3C, C] matrix, one GEMM), then their biases.
                (p + "attention.self.query.weight", [c, c]), (p + "attention.self.key.weight", [c, c]),
                (p + "attention.self.value.weight", [c, c]),
                (p + "attention.self.query.bias", [c]), (p + "attention.self.key.bias", [c]),
                (p + "attention.self.value.bias", [c]),
                (p + "attention.output.dense.weight", [c, c]), (p + "attention.output.dense.bias", [c]),
                (p + "attention.output.LayerNorm.weight", [c]), (p + "attention.output.LayerNorm.bias", [c]),
                (p + "intermediate.dense.weight", [s.intermediate, c]),
                (p + "intermediate.dense.bias", [s.intermediate]),
                (p + "output.dense.weight", [c, s.intermediate]), (p + "output.dense.bias", [c]),
                (p + "output.LayerNorm.weight", [c]), (p + "output.LayerNorm.bias", [c]),
            ]
        }
        return entries
    }

    /// The slot named `name` (a Hugging Face tensor name without any `bert.` prefix).
    public func slot(_ name: String) -> Slot? { slotIndex[name].map { slots[$0] } }

    /// A pointer to tensor `name` inside `buffer` (this layout's values, gradients or optimiser moments).
    func pointer(_ name: String, in buffer: FloatBuffer) -> UnsafeMutablePointer<Float> {
        buffer.pointer + slots[slotIndex[name]!].offset
    }

    func pointer(_ name: String) -> UnsafeMutablePointer<Float> { pointer(name, in: values) }

    /// Tensor `name`'s values (a copy).
    public func values(_ name: String) -> [Float] {
        guard let slot = slot(name) else { return [] }
        return Array(UnsafeBufferPointer(start: values.pointer + slot.offset, count: slot.count))
    }

    /// Reads every trainable tensor from a BERT checkpoint (`model.safetensors`, names with or without a `bert.`
    /// prefix). Throws `SetFitError.invalidBody` naming the file and tensor when one is missing or misshapen.
    public convenience init(shape: BERTShape, checkpoint: SafetensorsCheckpoint) throws {
        self.init(shape: shape)
        let prefix = Self.prefix(in: checkpoint)
        for slot in slots {
            let name = prefix + slot.name
            guard checkpoint.contains(name) else {
                throw SetFitError.invalidBody(file: checkpoint.url.path, reason: "tensor \(name) is missing")
            }
            let tensor = try checkpoint.tensor(name)
            guard tensor.shape == slot.shape else {
                throw SetFitError.invalidBody(
                    file: checkpoint.url.path,
                    reason: "tensor \(name) has shape \(tensor.shape), config.json implies \(slot.shape)")
            }
            tensor.withUnsafeBufferPointer { source in
                (values.pointer + slot.offset).update(from: source.baseAddress!, count: slot.count)
            }
        }
    }

    /// The name prefix (`""` or `"bert."`) under which a checkpoint stores the encoder.
    static func prefix(in checkpoint: SafetensorsCheckpoint) -> String {
        let anchor = "embeddings.word_embeddings.weight"
        guard let full = checkpoint.names.first(where: { $0.hasSuffix(anchor) }) else { return "" }
        return String(full.dropLast(anchor.count))
    }
}
