import Foundation
import FuseCore
import FuseTokenizers

extension Tokenizer {
    /// A `tokenizer.json` (or `vocab.txt`) file, or a model folder: its own tokenizer files first, then its `text/`
    /// subfolder (a unified model's text tower), as the text plugin finds them.
    public static func load(fileOrModelFolder url: URL) throws -> Tokenizer {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            return try TextPlugin().tokenizer(for: PreprocessingContext(modelDirectory: url))
        }
        return try Tokenizer.load(from: url)
    }
}
