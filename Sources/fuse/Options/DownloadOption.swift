import ArgumentParser
import Foundation
import Fuse
import FuseHub

/// `--download`, shared by every command that takes `--model`: off by default, so nothing touches the network unless
/// asked; with it, an `org/name[@revision]` missing from the Hugging Face cache is pulled first (as `fuse pull`
/// would, default file selection), with a progress bar per file.
struct DownloadOption: ParsableArguments {
    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Download an org/name[@revision] model missing from the Hugging Face cache (HF_ENDPOINT, HF_TOKEN; "
                + "HF_HUB_OFFLINE=1 forbids it). Off by default: without it nothing touches the network."))
    var download = false

    /// The model folder for `spec`, pulled first when `--download` allows it and the cache lacks it. Without
    /// `--download` the Hub's settings are not even read (a bad HF_ENDPOINT cannot break an offline run).
    func resolve(_ spec: String, quiet: Bool = false) async throws -> URL {
        // A model missing from the cache: ErrorAdvice adds "or add --download, or run `fuse pull …`".
        guard download else { return try ModelLocator.resolve(spec) }
        return try await HubModelResolver.resolve(
            spec, download: true, environment: try HubEnvironment(),
            progress: PullProgress(enabled: !quiet).handler)
    }

    /// Pulls each cached-model spec that `--download` must make available before a library call resolves it by
    /// name (folders and cached models are left alone).
    func prepare(_ specs: [String?], quiet: Bool = false) async throws {
        guard download else { return }
        for case let spec? in specs where RepositoryReference(spec) != nil {
            _ = try await resolve(spec, quiet: quiet)
        }
    }
}

/// Per-file progress bars for a pull, on stderr.
final class PullProgress: @unchecked Sendable {
    private let enabled: Bool
    private let lock = NSLock()
    private var bar: ProgressBar?

    init(enabled: Bool) { self.enabled = enabled }

    var handler: @Sendable (HubPullEvent) -> Void { { [self] event in handle(event) } }

    private func handle(_ event: HubPullEvent) {
        guard enabled else { return }
        lock.withLock {
            switch event {
            case .fileStarted(let file, let size, let resumed):
                bar = ProgressBar(total: Int(size ?? 0), label: file, enabled: true)
                if resumed > 0 { printError("\(file): resuming after \(resumed) bytes") }
            case .bytes(let transfer):
                bar?.update(Int(transfer.received))
            case .fileFinished(let file, let fromCache):
                bar?.finish()
                bar = nil
                printError(fromCache ? "\(file): in the cache" : "\(file): downloaded")
            }
        }
    }
}

extension Optional {
    /// `map` with an async transform.
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}

extension ModelOption {
    /// `--model` as a folder, pulled first when it names a Hub model missing from the cache and `--download`
    /// allows it; without `--model`, the default model.
    func directory(download: DownloadOption, quiet: Bool) async throws -> URL {
        guard let model else { return try directory() }
        return try await download.resolve(model, quiet: quiet)
    }
}
