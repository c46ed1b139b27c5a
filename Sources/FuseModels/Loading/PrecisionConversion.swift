import Foundation
import FuseCore

/// Converts a model's linear layers to a reduced precision once each, however many towers share them
/// (Meta-Transformer's towers share one encoder). Only the transformer blocks' projections and MLPs convert:
/// embedders, LayerNorms, attention scores, pooling and the final projections into the shared space stay fp32.
final class PrecisionConverter {
    let precision: Precision
    private var converted: [Key: Linear] = [:]

    private struct Key: Hashable {
        let storage: ObjectIdentifier
        let offset: Int
    }

    init(precision: Precision) { self.precision = precision }

    func convert(_ linear: Linear) throws -> Linear {
        let key = Key(storage: ObjectIdentifier(linear.weight.storage), offset: linear.weight.offset)
        if let done = converted[key] { return done }
        let result = try linear.converted(to: precision)
        converted[key] = result
        return result
    }
}

extension EncoderLayer {
    func converted(_ converter: PrecisionConverter) throws -> EncoderLayer {
        let env = ProcessInfo.processInfo.environment["FUSE_KEEP"] ?? ""
        func c(_ l: Linear, _ name: String) throws -> Linear {
            if env.contains(name + "=bf16") { return try l.converted(to: .bf16) }
            if env.contains(name + "=fp32") { return l }
            return try converter.convert(l)
        }
        return EncoderLayer(query: try c(query, "q"), key: try c(key, "k"),
                     value: try c(value, "v"), output: try c(output, "o"), norm1: norm1,
                     fc1: try c(fc1, "fc1"), fc2: try c(fc2, "fc2"), norm2: norm2)
    }
}

extension Tower {
    /// The tower computing its transformer blocks in `precision` (`.auto` resolved for this CPU); throws
    /// `PrecisionUnavailable` when the CPU cannot run it.
    public func converted(to precision: Precision) throws -> Tower {
        try converted(PrecisionConverter(precision: precision.resolved))
    }

    func converted(_ converter: PrecisionConverter) throws -> Tower {
        let encoder = TransformerEncoder(config: self.encoder.config,
                                         layers: try self.encoder.layers.map { try $0.converted(converter) },
                                         finalNorm: self.encoder.finalNorm)
        return Tower(modality: modality, embedder: embedder, encoder: encoder, causal: causal, pooling: pooling,
                     poolNorm: poolNorm, head: head)
    }
}

extension EncoderModel {
    /// The model computing its transformer blocks in `precision` (`.auto` resolved for this CPU). When the CPU
    /// cannot run it, the model stays fp32 and `precisionNote` says why (never an illegal instruction).
    public func converted(to precision: Precision) throws -> EncoderModel {
        let target = precision.resolved
        guard target != self.precision else { return self }
        let converter = PrecisionConverter(precision: target)
        do {
            var towers: [Modality: Tower] = [:]
            for (modality, tower) in self.towers { towers[modality] = try tower.converted(converter) }
            return EncoderModel(directory: directory, modelType: modelType, towers: towers, preprocessing: preprocessing,
                                logitScale: logitScale, precision: target)
        } catch let unavailable as PrecisionUnavailable {
            return EncoderModel(directory: directory, modelType: modelType, towers: self.towers,
                                preprocessing: preprocessing, logitScale: logitScale, precision: self.precision,
                                precisionNote: "\(unavailable); running \(self.precision)")
        }
    }

    /// The oneDNN kernel the reduced-precision layers last ran, for reports ("" before a call or for fp32).
    public var kernel: String {
        for tower in towers.values {
            if let reduced = tower.encoder.layers.first?.fc1.reduced, !reduced.implementation.isEmpty {
                return reduced.implementation
            }
        }
        return ""
    }
}
