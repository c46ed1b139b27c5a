import FuseCore
import FuseModels

/// Which precision each of the backbone's GEMMs computes in when a GLiNER model runs reduced: the stacked
/// query/key/value projection, the attention output, the MLP's `fc1` and `fc2`, whether the token table is stored as
/// int8 rows, and how many of the last blocks keep another precision. Everything GLiNER adds (projection, LSTM, span
/// and label MLPs) and DeBERTa's relative-position projections stay fp32 under every recipe.
///
/// `NERModel.load(directory:precision:)` uses `recipe(for:)`; `NERModel.load(directory:recipe:)` takes any recipe
/// (`fuse-bench ner --recipe` measures them).
public struct NERPrecisionRecipe: Sendable, Equatable, CustomStringConvertible {
    public var queryKeyValue: Precision
    public var attentionOutput: Precision
    public var intermediate: Precision
    public var output: Precision
    /// The token table as int8 rows (read by a gather only).
    public var int8TokenTable: Bool
    /// How many of the last blocks compute every projection in `lastLayersPrecision` instead.
    public var lastLayers: Int
    public var lastLayersPrecision: Precision

    public init(
        queryKeyValue: Precision, attentionOutput: Precision, intermediate: Precision, output: Precision,
        int8TokenTable: Bool, lastLayers: Int = 0, lastLayersPrecision: Precision = .fp32
    ) {
        self.queryKeyValue = queryKeyValue
        self.attentionOutput = attentionOutput
        self.intermediate = intermediate
        self.output = output
        self.int8TokenTable = int8TokenTable
        self.lastLayers = lastLayers
        self.lastLayersPrecision = lastLayersPrecision
    }

    /// Every GEMM in `precision` (bf16, or fp32: the exact model).
    public static func uniform(_ precision: Precision) -> NERPrecisionRecipe {
        NERPrecisionRecipe(
            queryKeyValue: precision, attentionOutput: precision, intermediate: precision, output: precision,
            int8TokenTable: precision == .int8)
    }

    /// The shared encoder int8 recipe (docs/PRECISION.md): projections and `fc1` int8, `fc2` in bf16 where the CPU
    /// has native bf16 (else fp32), the token table int8.
    public static var sharedInt8: NERPrecisionRecipe {
        NERPrecisionRecipe(
            queryKeyValue: .int8, attentionOutput: .int8, intermediate: .int8,
            output: PrecisionConverter.sensitiveInt8Precision, int8TokenTable: true)
    }

    /// What `--precision int8` runs for GLiNER: the shared recipe with `fc1` also in bf16 where the CPU has native
    /// bf16 (else fp32) — the attention's projections and output int8, `fc1` and `fc2` bf16, the token table int8.
    /// On the fine-tuned bench model (docs/NER.md) it gave fp32's entities on 100 of 100 texts at ×4.2 gliner's
    /// texts/s, where the shared recipe gave 96 (`fc1` int8 moves the span scores near the threshold most).
    public static var glinerInt8: NERPrecisionRecipe {
        var recipe = sharedInt8
        recipe.intermediate = PrecisionConverter.sensitiveInt8Precision
        return recipe
    }

    /// The recipe `NERModel.load(directory:precision:)` runs for `precision` (`.auto` resolved for this CPU first):
    /// `glinerInt8` for int8, every GEMM in bf16 for bf16, fp32 otherwise.
    public static func recipe(for precision: Precision) -> NERPrecisionRecipe {
        switch precision.resolved {
        case .int8: return glinerInt8
        case .bf16: return uniform(.bf16)
        default: return uniform(.fp32)
        }
    }

    /// The lowest precision any GEMM of the recipe computes in (what `NERModel.precision` reports).
    public var precision: Precision {
        let all =
            [queryKeyValue, attentionOutput, intermediate, output] + (lastLayers > 0 ? [lastLayersPrecision] : [])
        if int8TokenTable || all.contains(.int8) { return .int8 }
        return all.contains(.bf16) ? .bf16 : .fp32
    }

    /// `qkv=int8,out=int8,fc1=int8,fc2=bf16,table=int8,last=1:fp32` (the form `init(parsing:)` reads).
    public var description: String {
        "qkv=\(queryKeyValue),out=\(attentionOutput),fc1=\(intermediate),fc2=\(output),"
            + "table=\(int8TokenTable ? "int8" : "fp32"),last=\(lastLayers):\(lastLayersPrecision)"
    }

    /// Reads `description`'s form; omitted keys keep `base`'s value. Throws naming the part it cannot read.
    public init(parsing text: String, base: NERPrecisionRecipe = .sharedInt8) throws {
        self = base
        for part in text.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else {
                throw FuseError.invalidArgument(
                    what: "NER precision recipe part '\(part)'", reason: "expected key=value")
            }
            switch pair[0] {
            case "qkv": queryKeyValue = try Precision(name: pair[1])
            case "out": attentionOutput = try Precision(name: pair[1])
            case "fc1": intermediate = try Precision(name: pair[1])
            case "fc2": output = try Precision(name: pair[1])
            case "table": int8TokenTable = try Precision(name: pair[1]) == .int8
            case "last":
                let count = pair[1].split(separator: ":").map(String.init)
                guard let layers = Int(count[0]), layers >= 0, count.count <= 2 else {
                    throw FuseError.invalidArgument(
                        what: "NER precision recipe part '\(part)'", reason: "expected last=N or last=N:precision")
                }
                lastLayers = layers
                if count.count == 2 { lastLayersPrecision = try Precision(name: count[1]) }
            default:
                throw FuseError.invalidArgument(
                    what: "NER precision recipe key '\(pair[0])'", reason: "known: qkv, out, fc1, fc2, table, last")
            }
        }
    }
}

extension NERPrecisionRecipe {
    /// `backbone` (fp32) with its blocks' GEMMs converted as the recipe says. Throws `PrecisionUnavailable` when the
    /// CPU lacks a kernel the recipe needs.
    func apply(to backbone: Tower) throws -> Tower {
        guard let stack = backbone.encoder as? DeBERTaEncoder else {
            throw FuseError.invalidArgument(
                what: "GLiNER backbone", reason: "reduced-precision recipes need a DeBERTa-v2/v3 backbone")
        }
        let count = stack.layers.count
        let layers = try stack.layers.enumerated().map { index, layer in
            let kept = index >= count - lastLayers
            func precision(_ own: Precision) -> Precision { kept ? lastLayersPrecision : own }
            let qkv = precision(queryKeyValue)
            return EncoderLayer(
                query: layer.query, key: layer.key, value: layer.value,
                output: try layer.output.converted(to: precision(attentionOutput)), norm1: layer.norm1,
                fc1: try layer.fc1.converted(to: precision(intermediate)),
                fc2: try layer.fc2.converted(to: precision(output)), norm2: layer.norm2,
                fusedQKV: qkv == .fp32
                    ? nil : try Linear.stacked([layer.query, layer.key, layer.value]).converted(to: qkv))
        }
        let embedder =
            int8TokenTable
            ? try backbone.embedder.reducedPrecision(PrecisionConverter(precision: .int8)) : backbone.embedder
        return Tower(
            modality: backbone.modality, embedder: embedder, encoder: try stack.replacingLayers(layers),
            causal: backbone.causal, pooling: backbone.pooling, poolNorm: backbone.poolNorm, head: backbone.head)
    }
}
