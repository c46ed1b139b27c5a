import Foundation

/// Recipes read from model folders, kept per folder so a preprocessor file is parsed once; safe to share
/// between tasks.
final class RecipeCache: @unchecked Sendable {
    private let lock = NSLock()
    private var recipes: [String: AudioRecipe] = [:]

    func recipe(forConfig url: URL) throws -> AudioRecipe {
        let key = url.standardizedFileURL.path
        lock.lock()
        let cached = recipes[key]
        lock.unlock()
        if let cached { return cached }
        let recipe = try AudioRecipe(preprocessorConfig: url)
        lock.lock()
        recipes[key] = recipe
        lock.unlock()
        return recipe
    }
}
