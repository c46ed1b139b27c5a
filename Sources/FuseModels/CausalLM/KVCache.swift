/// Keys and values of the positions a causal LM has already seen, per layer, so decoding one more token costs one
/// row of work instead of the whole prefix. Layout per layer: `[positions, keyValueHeads · headDim]`.
public final class KVCache: @unchecked Sendable {
    public let capacity: Int
    let width: Int
    let layers: Int
    /// Owns (and frees) each layer's key and value buffer.
    private let buffers: LayerKeyValueBuffers
    var keys: [UnsafeMutablePointer<Float>] { buffers.keys }
    var values: [UnsafeMutablePointer<Float>] { buffers.values }
    /// Positions filled so far.
    public private(set) var length = 0

    /// A cache for `layers` layers of `width` floats per position, holding up to `capacity` positions.
    public init(layers: Int, width: Int, capacity: Int) {
        self.capacity = capacity
        self.width = width
        self.layers = layers
        buffers = LayerKeyValueBuffers(layers: layers, floatsPerLayer: capacity * width)
    }

    /// Forgets every position (the buffers are reused).
    public func reset() { length = 0 }

    /// Keeps only the first `positions` positions (to re-decode after a changed suffix).
    public func truncate(to positions: Int) { length = min(length, max(positions, 0)) }

    /// Copies `rows` new key and value rows of `layer` after the current length (committed by `advance`).
    func store(layer: Int, keys newKeys: UnsafePointer<Float>, values newValues: UnsafePointer<Float>, rows: Int) {
        (keys[layer] + length * width).update(from: newKeys, count: rows * width)
        (values[layer] + length * width).update(from: newValues, count: rows * width)
    }

    func advance(by rows: Int) { length += rows }

    /// Makes this cache hold what `other` holds (a beam taking over its parent's positions); both must have the
    /// same layers and width, and this one room for `other.length` positions.
    public func copy(from other: KVCache) {
        precondition(other.layers == layers && other.width == width && other.length <= capacity)
        for layer in 0..<layers {
            keys[layer].update(from: other.keys[layer], count: other.length * width)
            values[layer].update(from: other.values[layer], count: other.length * width)
        }
        length = other.length
    }
}
