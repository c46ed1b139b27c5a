import Foundation

/// Where the committed test inputs live, found from this file's path so tests run from any working directory:
/// `Tests/Fixtures` (reference fixtures written by `tools/reference/*.py`), `samples/` and the `models/` folder
/// that `tools/setup_models.sh` fills.
public enum FixturePaths {
    /// The repository root.
    public static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// `Tests/Fixtures`.
    public static let root = repository.appendingPathComponent("Tests/Fixtures")
    /// `samples/`: small real inputs (images, audio, text).
    public static let samples = repository.appendingPathComponent("samples")
    /// `models/`: real checkpoints made by `tools/setup_models.sh` (may be absent).
    public static let models = repository.appendingPathComponent("models")

    /// Whether `tools/setup_models.sh` has installed every named model (`models/NAME/model.safetensors`): tests of
    /// real checkpoints are enabled by it and skipped, with the reason, without.
    public static func installed(_ names: String...) -> Bool {
        names.allSatisfy {
            FileManager.default.fileExists(atPath: models.appendingPathComponent("\($0)/model.safetensors").path)
        }
    }

    /// A file or folder below `Tests/Fixtures`, e.g. `url("audio/manifest.json")`.
    public static func url(_ relativePath: String) -> URL { root.appendingPathComponent(relativePath) }
}
