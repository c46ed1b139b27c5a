import Foundation
import FuseModels

/// `ModelLocator.resolve` with opt-in download: a folder or a cached `org/name[@revision]` resolves without the
/// network; only when `download` is true and the cache lacks the revision (or holds an incomplete snapshot) is the
/// model pulled (default file selection), then resolved from the cache like any other.
public enum HubModelResolver {
    /// The model folder for `spec`; pulls it first when allowed and needed.
    public static func resolve(
        _ spec: String, download: Bool, environment: HubEnvironment,
        base: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
        progress: @escaping @Sendable (HubPullEvent) -> Void = { _ in }
    ) async throws -> URL {
        do {
            return try ModelLocator.resolve(spec, cache: environment.cache, base: base)
        } catch let error as ModelLocationError {
            guard download else { throw error }
            switch error {
            case .notAFolder: throw error
            case .notInCache, .revisionMissing, .incompleteSnapshot: break
            }
        }
        // ModelLocator throws `.notAFolder` (rethrown above) for any spec that is not a repository id.
        guard let reference = RepositoryReference(spec) else {
            throw ModelLocationError.notAFolder(spec: spec, path: base.appendingPathComponent(spec).path)
        }
        let result = try await HubDownloader(environment: environment).pull(
            reference.repository, revision: reference.revision,
            progress: progress)
        return try ModelLocator.resolve(result.repository + "@" + result.commit, cache: environment.cache, base: base)
    }
}
