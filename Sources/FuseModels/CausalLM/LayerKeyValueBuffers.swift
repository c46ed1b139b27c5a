import FuseCore

/// Per-layer key and value buffers of `floatsPerLayer` floats each, allocated together and freed together: the
/// storage under `KVCache` and `WhisperDecoderCache`, whose layouts inside a buffer differ (row-major, or keys
/// transposed for Whisper's single-query kernel).
final class LayerKeyValueBuffers: @unchecked Sendable {
    // @unchecked: the owning cache decides who writes; these are only allocated and freed here.
    let keys: [UnsafeMutablePointer<Float>]
    let values: [UnsafeMutablePointer<Float>]

    init(layers: Int, floatsPerLayer: Int) {
        keys = (0..<layers).map { _ in .allocate(capacity: max(floatsPerLayer, 1)) }
        values = (0..<layers).map { _ in .allocate(capacity: max(floatsPerLayer, 1)) }
    }

    deinit {
        keys.forEach { $0.deallocate() }
        values.forEach { $0.deallocate() }
    }
}
