import Foundation
import Fuse
import FuseCore

/// `fuse bench encoder --family hubert`: a hubert-base-shaped model with seeded random weights (7 convs of 512
/// channels, GroupNorm on the first, 768 wide, 12 post-LN layers, positional conv 128 taps in 16 groups) embedding
/// 10 s clips of 16 kHz noise, beside transformers' `HubertModel(HubertConfig())` (Benchmarks/peers/
/// encoder_hubert.py) on the same shapes in the same run. Both time the model only (feature encoder included,
/// waveform normalisation excluded).
struct RandomHuBERT {
    let tower: Tower

    static let seconds = 10
    static let samples = seconds * 16_000

    static func base() throws -> RandomHuBERT {
        var generator = SplitMix64(seed: 960)
        func random(_ shape: [Int], scale: Float) -> Tensor {
            Tensor(shape: shape) { values in
                for index in values.indices { values[index] = generator.nextSymmetric() * scale }
            }
        }
        func norm(_ width: Int, epsilon: Float = 1e-5) -> LayerNormWeights {
            LayerNormWeights(
                weight: Tensor(shape: [width]) { $0.update(repeating: 1) }, bias: Tensor(zeros: [width]),
                epsilon: epsilon)
        }
        func linear(_ inputs: Int, _ outputs: Int) throws -> Linear {
            try Linear(
                weight: random([outputs, inputs], scale: 1 / Float(inputs).squareRoot()),
                bias: random([outputs], scale: 0.02))
        }
        let kernels = [10, 3, 3, 3, 3, 2, 2], strides = [5, 2, 2, 2, 2, 2, 2]
        let layers = try kernels.indices.map { index in
            let inputs = index == 0 ? 1 : 512
            return try ConvFeatureEncoder.Layer(
                torchWeight: random(
                    [512, inputs, kernels[index]], scale: 1 / Float(inputs * kernels[index]).squareRoot()),
                bias: nil, stride: strides[index], norm: index == 0 ? norm(512) : nil)
        }
        let (width, mlp) = (768, 3072)
        let embedder = WaveformEmbedder(
            featureEncoder: ConvFeatureEncoder(layers: layers, normalization: .group, activation: .gelu),
            projectionNorm: norm(512), projection: try linear(512, width),
            positions: try PositionalConvEmbedding(
                torchWeight: random([width, 48, 128], scale: 0.01),
                bias: random([width], scale: 0.02), groups: 16, activation: .gelu),
            inputNorm: norm(width))
        let config = EncoderConfig(
            hiddenSize: width, heads: 12, layers: 12, intermediateSize: mlp, activation: .gelu,
            layerNormEpsilon: 1e-5, normPlacement: .post)
        let blocks = try (0..<12).map { _ in
            EncoderLayer(
                query: try linear(width, width), key: try linear(width, width), value: try linear(width, width),
                output: try linear(width, width), norm1: norm(width), fc1: try linear(width, mlp),
                fc2: try linear(mlp, width), norm2: norm(width))
        }
        let encoder = TransformerEncoder(config: config, layers: blocks, finalNorm: nil)
        return RandomHuBERT(tower: Tower(modality: .audio, embedder: embedder, encoder: encoder, pooling: .mean))
    }

    /// `count` clips of unit-variance noise (what the normalised waveform of real speech looks like to the model).
    static func clips(count: Int, seed: UInt64) throws -> [Tokens] {
        var generator = SplitMix64(seed: seed)
        return try (0..<count).map { _ in
            try Tokens(
                modality: .audio,
                content: .features(
                    Tensor(shape: [samples, 1]) { values in
                        for index in values.indices { values[index] = generator.nextSymmetric() * 1.7 }
                    }))
        }
    }

    /// FLOPs of one clip: the convs, the feature projection, the positional conv and the 12 blocks.
    static var flopsPerClip: Double {
        var length = samples, inputs = 1, total = 0.0
        for (kernel, stride) in zip([10, 3, 3, 3, 3, 2, 2], [5, 2, 2, 2, 2, 2, 2]) {
            length = (length - kernel) / stride + 1
            total += 2.0 * Double(length * 512 * inputs * kernel)
            inputs = 512
        }
        total += 2.0 * Double(length * 512 * 768) + 2.0 * Double(length * 768 * 48 * 128)
        return total + TransformerFLOPs.stack(layers: 12, width: 768, mlp: 3072, tokens: length, attended: length)
    }
}

extension BenchEncoder {
    func benchHuBERT(threads: Int, ceiling: ComputeCeiling) throws {
        let exact = try RandomHuBERT.base()
        let chosen = try Precision(name: precision).resolved
        var model = exact
        do { model = RandomHuBERT(tower: try exact.tower.converted(to: chosen)) } catch {
            print("note: \(error); HuBERT runs fp32")
        }
        var peer: [Int: (Double, Double)] = [:]
        for line in runPeer(
            "encoder_hubert.py",
            [
                "--threads", "\(threads)", "--batches", "1", "4",
                "--seconds", "\(RandomHuBERT.seconds)", "--repeats", "\(repeats)",
            ])
        {
            if let batch = line["batch"] as? Int, let median = line["clips_per_second"] as? Double,
                let best = line["best"] as? Double
            {
                peer[batch] = (median, best)
            }
        }
        for batch in [1, 4] {
            let clips = try RandomHuBERT.clips(count: batch, seed: UInt64(batch))
            let rate = try Self.measure(repeats: repeats, items: batch) { _ = try model.tower(clips) }
            let seconds = RandomHuBERT.seconds
            let peerText =
                peer[batch].map { String(format: "torch %.3f (%.3f)  Fuse ×%.2f", $0.0, $0.1, rate.0 / $0.0) }
                ?? "torch: not run"
            print(
                String(
                    format: "HuBERT-base (random) %d s clips b=%d, %@: Fuse %.3f (%.3f) clips/s | %@ | target ≥ 1.2× "
                        + "torch", seconds, batch,
                    "\((model.tower.encoder as? TransformerEncoder)?.layers.first?.fc1.precision ?? .fp32)", rate.0,
                    rate.1,
                    peerText))
            BenchPeer.flush()
            print(
                ceiling.describe(
                    itemsPerSecond: rate.0, flopsPerItem: RandomHuBERT.flopsPerClip,
                    targetItemsPerSecond: nil))
        }
        if model.tower.encoder.reducedSample != nil {
            // The mean-pooled, unit-normalised embeddings of 8 clips, reduced vs fp32.
            let clips = try RandomHuBERT.clips(count: 8, seed: 21)
            let pooled = { (tower: Tower) throws -> [[Float]] in
                let embeddings = try tower(clips).embeddings
                let width = embeddings.shape[1]
                let values = embeddings.scalars
                return (0..<embeddings.shape[0]).map { Array(values[($0 * width)..<(($0 + 1) * width)]) }
            }
            print(
                PrecisionAccuracy(reference: try pooled(exact.tower), candidate: try pooled(model.tower)).report(
                    label: "HuBERT-base (random) \(chosen) vs fp32 (8 clips of \(RandomHuBERT.seconds) s, pooled)"))
        }
    }
}
