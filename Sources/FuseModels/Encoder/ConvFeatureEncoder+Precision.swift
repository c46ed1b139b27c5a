import Foundation
import FuseCore

extension ConvFeatureEncoder {
    /// The stack with every conv after the first computing in `converter`'s precision, as a linear layer over
    /// im2col rows. The first conv (one input channel, 10 taps: a few MFLOP) stays fp32, and so do the norms and
    /// GELU. These convs are a third of HuBERT-base's FLOPs, so a model whose blocks alone ran reduced would keep
    /// most of its time in fp32 convolutions.
    func converted(_ converter: PrecisionConverter) throws -> ConvFeatureEncoder {
        guard converter.precision != .fp32 else { return self }
        var converted = layers
        for index in converted.indices where converted[index].inChannels > 1 {
            let layer = converted[index]
            let matrix = try layer.weight.reshaped([layer.outChannels, layer.kernel * layer.inChannels])
            converted[index].reduced = try converter.convert(try Linear(weight: matrix, bias: layer.bias))
        }
        return ConvFeatureEncoder(layers: converted, normalization: normalization, activation: activation)
    }

    /// `layer`'s conv (no padding, one group) through its reduced linear layer: blocks of output frames gather
    /// their receptive fields (`kernel` consecutive input frames, contiguous in the time-major signal) into rows,
    /// which the layer multiplies on both cores.
    static func reducedConv(
        _ linear: Linear, input: UnsafePointer<Float>, layer: Layer, output: UnsafeMutablePointer<Float>, frames: Int
    ) {
        let patchWidth = layer.kernel * layer.inChannels
        let blockRows = max(64, min(frames, (1 << 22) / patchWidth))
        let patches = UnsafeMutablePointer<Float>.allocate(capacity: blockRows * patchWidth)
        defer { patches.deallocate() }
        var first = 0
        while first < frames {
            let rows = min(blockRows, frames - first)
            for row in 0..<rows {
                (patches + row * patchWidth).update(
                    from: input + (first + row) * layer.stride * layer.inChannels, count: patchWidth)
            }
            linear.apply(patches, rows: rows, output: output + first * layer.outChannels)
            first += rows
        }
    }
}

extension WaveformEmbedder {
    /// The embedder with its feature encoder's convs in `converter`'s precision (`ConvFeatureEncoder.converted`);
    /// the feature projection, the positional conv and the norms stay fp32.
    public func reducedPrecision(_ converter: PrecisionConverter) throws -> any ModalityEmbedder {
        WaveformEmbedder(
            modality: modality, featureEncoder: try featureEncoder.converted(converter),
            projectionNorm: projectionNorm, projection: projection, positions: positions, inputNorm: inputNorm)
    }
}
