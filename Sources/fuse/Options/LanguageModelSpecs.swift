import Foundation
import FuseLLM
import FuseModels

extension DownloadOption {
    /// The causal language models `--models` names, each a folder or an `org/name[@revision]` from the Hugging Face
    /// cache (pulled first when `--download` allows it). A cached model is named by its repository's name (a
    /// snapshot folder's own name is a commit hash); a folder by its last component, as before.
    func languageModels(_ specs: [String], precision: Precision, quiet: Bool) async throws -> [LanguageModelBundle] {
        var bundles: [LanguageModelBundle] = []
        for spec in specs {
            let folder = try await resolve(spec, quiet: quiet)
            let isFolder = FileManager.default.fileExists(atPath: URL(fileURLWithPath: spec).path)
            let name = isFolder ? nil : RepositoryReference(spec)?.name
            bundles.append(try LanguageModelBundle(folder: folder, name: name, precision: precision))
        }
        return bundles
    }
}
