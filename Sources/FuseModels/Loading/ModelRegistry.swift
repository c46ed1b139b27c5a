import Foundation
import FuseCore

/// A model family: reads its `config.json` and weights into an `EncoderModel`.
/// Adding a family is one file conforming to this protocol and one line in `ModelRegistry.families`.
public protocol ModelFamily {
    /// The `model_type` values (from `config.json`) the family loads.
    static var modelTypes: [String] { get }
    /// Loads the model in `directory`; `config` is its parsed `config.json`.
    static func load(directory: URL, config: ConfigFile) throws -> EncoderModel
}

/// The families Fuse knows, keyed by `model_type`.
public enum ModelRegistry {
    public static var families: [any ModelFamily.Type] {
        [
            CLIPFamily.self,
            BERTFamily.self,
            ViTFamily.self,
            ASTFamily.self,
            MetaTransformerFamily.self,
            HuBERTFamily.self,
            Wav2Vec2Family.self,
            ModernBERTFamily.self,
            DeBERTaV2Family.self,
        ]
    }

    /// Every `model_type` some family loads, sorted.
    public static var modelTypes: [String] { families.flatMap { $0.modelTypes }.sorted() }

    public static func family(for modelType: String) -> (any ModelFamily.Type)? {
        families.first { $0.modelTypes.contains(modelType) }
    }
}
