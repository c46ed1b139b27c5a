import Foundation
import FuseCore

/// Converts a model's linear layers to a reduced precision once each, however many towers share them
/// (Meta-Transformer's towers share one encoder). The transformer blocks' projections and MLPs convert, and under
/// int8 the token-embedding tables become int8 rows; position and patch embeddings, LayerNorms, attention scores,
/// pooling and the final projections into the shared space stay fp32.
public final class PrecisionConverter {
    public let precision: Precision
    private var converted: [Key: Linear] = [:]
    private var stacked: [Key: Linear] = [:]
    private var tables: [Key: QuantizedRows] = [:]
    /// int8: how declared layers (keyed by their weights) compute (`plan(_:for:)`).
    private var plans: [Key: Int8Plan] = [:]
    /// int8: the blocks (keyed by their query weights) whose attention takes bf16 operands (`planBF16Attention`).
    private var bf16Attention: Set<Key> = []

    /// How one layer computes when the model runs int8, declared before it converts (`plan(_:for:)`).
    public enum Int8Plan: Sendable, Equatable {
        /// int8, with these input channels computed beside the GEMM in fp32 and, when given, the input channels'
        /// SmoothQuant factors (`ReducedPrecisionWeights`).
        case outliers([Int], smoothing: [Float]? = nil)
        /// `sensitiveInt8Precision` (bf16 where the CPU has native bf16, else fp32).
        case sensitive
    }

    private struct Key: Hashable {
        let storage: ObjectIdentifier
        let offset: Int
    }

    public init(precision: Precision) { self.precision = precision }

    /// The precision a `sensitive` layer gets when the model runs int8.
    public static var sensitiveInt8Precision: Precision { ComputeCapabilities.current.hasNativeBF16 ? .bf16 : .fp32 }

    private static func key(_ linear: Linear) -> Key {
        Key(storage: ObjectIdentifier(linear.weight.storage), offset: linear.weight.offset)
    }

    /// Declares how `linear` computes when the model runs int8, overriding `convert`'s `sensitive` argument. For a
    /// stacked layer, declare it on the first part. Call before converting the layer.
    public func plan(_ plan: Int8Plan, for linear: Linear) {
        plans[Self.key(linear)] = plan
    }

    /// Declares that the block whose query projection is `query` attends with bf16 operands when the model runs
    /// int8 (towers over patches: `OutlierProbe.patchInt8Recipe`). Under bf16 every block does.
    public func planBF16Attention(forBlockWithQuery query: Linear) {
        bf16Attention.insert(Self.key(query))
    }

    /// Whether the block whose query projection is `query` attends with bf16 operands in the converter's precision.
    public func attendsInBF16(blockWithQuery query: Linear) -> Bool {
        switch precision {
        case .bf16: true
        case .int8: bf16Attention.contains(Self.key(query))
        default: false
        }
    }

    /// Whether `linear` has already converted (through `convert`).
    public func hasConverted(_ linear: Linear) -> Bool { converted[Self.key(linear)] != nil }

    /// `linear` in the converter's precision; a `sensitive` layer (an MLP's down-projection, whose input carries
    /// outlier channels) gets `sensitiveInt8Precision` when the model runs int8. A declared `Int8Plan` decides
    /// instead.
    public func convert(_ linear: Linear, sensitive: Bool = false) throws -> Linear {
        let key = Self.key(linear)
        if let done = converted[key] { return done }
        let (target, channels, smoothing) = int8Plan(plans[key], sensitive: sensitive)
        let result = try linear.converted(to: target, outlierChannels: channels, smoothing: smoothing)
        converted[key] = result
        return result
    }

    /// The precision, outlier channels and smoothing factors of a layer with `plan` (nil: none declared).
    private func int8Plan(_ plan: Int8Plan?, sensitive: Bool) -> (Precision, [Int], [Float]?) {
        guard precision == .int8 else { return (precision, [], nil) }
        switch plan {
        case .outliers(let channels, let smoothing): return (.int8, channels, smoothing)
        case .sensitive: return (Self.sensitiveInt8Precision, [], nil)
        case nil: return (sensitive ? Self.sensitiveInt8Precision : .int8, [], nil)
        }
    }

    /// A token table as int8 rows when the converter runs int8 (once per table, however many embedders share it),
    /// its fp32 pages released; nil in other precisions.
    public func quantizedTable(_ table: Tensor) throws -> QuantizedRows? {
        guard precision == .int8 else { return nil }
        let key = Key(storage: ObjectIdentifier(table.storage), offset: table.offset)
        if let done = tables[key] { return done }
        let quantized = try QuantizedRows(quantizing: table)
        table.storage.releaseResidentPages(offset: table.offset, count: table.count)
        tables[key] = quantized
        return quantized
    }

    /// `parts` stacked into one layer (`Linear.stacked`) in the converter's precision, once per set of weights;
    /// the parts' fp32 pages are released, as `Linear.converted(to:)` releases a single layer's, and so are the
    /// stacked fp32 matrix's (spilled to a temporary file mapping first).
    func convertStacked(_ parts: [Linear]) throws -> Linear {
        guard let first = parts.first else {
            throw FuseError.invalidArgument(what: "stacked layers", reason: "none given")
        }
        let key = Key(storage: ObjectIdentifier(first.weight.storage), offset: -1 - first.weight.offset)
        if let done = stacked[key] { return done }
        var stackedFP32 = try Linear.stacked(parts)
        if precision != .fp32, let spilled = stackedFP32.weight.spilledToTemporaryFile() {
            // The stacked fp32 matrix is Fuse's own allocation: moved to a file mapping, its pages can go once the
            // reduced copy exists (as a checkpoint's do), instead of staying resident beside it.
            stackedFP32 = try Linear(weight: spilled, bias: stackedFP32.bias)
        }
        let (target, channels, smoothing) = int8Plan(plans[Self.key(first)], sensitive: false)
        let result = try stackedFP32.converted(to: target, outlierChannels: channels, smoothing: smoothing)
        for part in parts {
            part.weight.storage.releaseResidentPages(offset: part.weight.offset, count: part.weight.count)
        }
        stacked[key] = result
        return result
    }
}

extension EncoderLayer {
    /// Every projection in the converter's precision, except that int8 keeps the MLP's down-projection (`fc2`, whose
    /// input is the GELU output with its outlier channels) in bf16 where the CPU has native bf16, else in fp32:
    /// measured on all-MiniLM-L6-v2, int8 there alone moves the mean cosine to fp32 from 0.9991 to 0.9989 (the
    /// accuracy contract asks ≥ 0.999), while bf16 keeps it (docs/PRECISION.md). Layers with a declared
    /// `PrecisionConverter.Int8Plan` (text towers: `OutlierProbe.int8Recipe`; towers over patches:
    /// `OutlierProbe.patchInt8Recipe`) follow their plan instead.
    func converted(_ converter: PrecisionConverter) throws -> EncoderLayer {
        // Query, key and value compute as one stacked layer; the separate fp32 layers stay for reference only.
        EncoderLayer(
            query: query, key: key, value: value, output: try converter.convert(output), norm1: norm1,
            fc1: try converter.convert(fc1), fc2: try converter.convert(fc2, sensitive: true), norm2: norm2,
            fusedQKV: try converter.convertStacked([query, key, value]),
            attentionInBF16: converter.attendsInBF16(blockWithQuery: query))
    }
}

extension Tower {
    /// The tower computing its transformer blocks in `precision` (`.auto` resolved for this CPU); throws
    /// `PrecisionUnavailable` when the CPU cannot run it.
    public func converted(to precision: Precision) throws -> Tower {
        try converted(PrecisionConverter(precision: precision.resolved))
    }

    func converted(_ converter: PrecisionConverter) throws -> Tower {
        // Before the token table turns int8: the probe embeds its tokens with the fp32 table.
        try declareInt8Plan(to: converter)
        return Tower(
            modality: modality, embedder: try embedder.reducedPrecision(converter),
            encoder: try encoder.converted(converter), causal: causal,
            pooling: pooling,
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
            for (modality, tower) in Self.conversionOrder(self.towers) {
                towers[modality] = try tower.converted(converter)
            }
            return EncoderModel(
                directory: directory, modelType: modelType, towers: towers, preprocessing: preprocessing,
                logitScale: logitScale, precision: target)
        } catch let unavailable as PrecisionUnavailable {
            return EncoderModel(
                directory: directory, modelType: modelType, towers: self.towers,
                preprocessing: preprocessing, logitScale: logitScale, precision: self.precision,
                precisionNote: "\(unavailable); running \(self.precision)")
        }
    }

    /// The order towers convert in, fixed so a shared encoder gets the same int8 plan in every process: the first
    /// tower to convert a shared layer decides its plan, and token-id towers' (`OutlierProbe.int8Recipe`, which keeps
    /// q/k/v in bf16) go first, then the others by modality name.
    static func conversionOrder(_ towers: [Modality: Tower]) -> [(Modality, Tower)] {
        towers.sorted { a, b in
            let (aText, bText) = (Tower.tokenTable(a.value.embedder) != nil, Tower.tokenTable(b.value.embedder) != nil)
            return aText != bText ? aText : a.key.name < b.key.name
        }.map { ($0.key, $0.value) }
    }

    /// The oneDNN kernel the reduced-precision layers last ran, for reports ("" before a call or for fp32).
    public var kernel: String {
        for tower in towers.values {
            if let reduced = tower.encoder.reducedSample, !reduced.implementation.isEmpty {
                return reduced.implementation
            }
        }
        return ""
    }
}
