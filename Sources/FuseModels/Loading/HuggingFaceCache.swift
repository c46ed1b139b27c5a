import Foundation

/// Why a `--model` argument could not be turned into a model folder. Each message says where Fuse looked.
public enum ModelLocationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Neither an existing folder nor a repository id (`org/name`).
    case notAFolder(spec: String, path: String)
    /// `org/name` has no `models--org--name` folder in the Hugging Face hub cache.
    case notInCache(repository: String, hub: String)
    /// The repository is cached but the requested revision has no snapshot there.
    case revisionMissing(repository: String, revision: String, folder: String, available: [String])
    /// The snapshot exists but holds no `config.json` (an interrupted or partial download).
    case incompleteSnapshot(repository: String, snapshot: String)

    public var description: String {
        switch self {
        case .notAFolder(let spec, let path):
            return "model '\(spec)': no folder at \(path), and it is not a Hugging Face repository id (org/name)"
        case .notInCache(let repository, let hub):
            return "model '\(repository)' is not in the Hugging Face cache (looked for \(hub)/"
                + "\(HuggingFaceCache.folderName(repository))); download it first, e.g. "
                + "`huggingface-cli download \(repository)`, or pass the path of a model folder"
        case .revisionMissing(let repository, let revision, let folder, let available):
            let list = available.isEmpty ? "none" : available.joined(separator: ", ")
            return "model '\(repository)': revision '\(revision)' has no snapshot in \(folder) "
                + "(snapshots present: \(list))"
        case .incompleteSnapshot(let repository, let snapshot):
            return "model '\(repository)': snapshot \(snapshot) has no config.json (download incomplete?)"
        }
    }
}

/// The Hugging Face hub cache as `huggingface_hub` lays it out:
/// `<hub>/models--<org>--<name>/{refs/<branch>, snapshots/<commit>/…}`, where `refs/main` holds the commit whose
/// snapshot is current. The hub folder is `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else
/// `$XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub` (huggingface_hub's own order).
public struct HuggingFaceCache: Sendable {
    /// The hub folder holding `models--*` folders.
    public let hub: URL

    public init(hub: URL) { self.hub = hub }

    /// The cache `huggingface_hub` would use with `environment`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        func value(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }
        if let path = value("HF_HUB_CACHE") ?? value("HUGGINGFACE_HUB_CACHE") {
            hub = URL(fileURLWithPath: path)
        } else if let home = value("HF_HOME") {
            hub = URL(fileURLWithPath: home).appendingPathComponent("hub")
        } else {
            let cache =
                value("XDG_CACHE_HOME").map { URL(fileURLWithPath: $0) }
                ?? URL(fileURLWithPath: value("HOME") ?? NSHomeDirectory()).appendingPathComponent(".cache")
            hub = cache.appendingPathComponent("huggingface/hub")
        }
    }

    /// `org/name` → `models--org--name`.
    public static func folderName(_ repository: String) -> String {
        "models--" + repository.replacingOccurrences(of: "/", with: "--")
    }

    /// The snapshot folder of `repository` at `revision` (a branch or tag named in `refs/`, or a commit hash).
    public func snapshot(of repository: String, revision: String = "main") throws -> URL {
        let fm = FileManager.default
        let folder = hub.appendingPathComponent(Self.folderName(repository))
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ModelLocationError.notInCache(repository: repository, hub: hub.path)
        }
        let snapshots = folder.appendingPathComponent("snapshots")
        let available = ((try? fm.contentsOfDirectory(atPath: snapshots.path)) ?? []).filter { !$0.hasPrefix(".") }
            .sorted()
        let ref = folder.appendingPathComponent("refs").appendingPathComponent(revision)
        let commit: String
        if let text = try? FileContents.utf8String(at: ref) {
            commit = text.trimmingCharacters(in: .whitespacesAndNewlines)
        } else if available.contains(revision) {
            commit = revision
        } else if revision == "main", available.count == 1 {
            // A cache copied without refs/ (some mirrors do this): its only snapshot is unambiguous.
            commit = available[0]
        } else {
            throw ModelLocationError.revisionMissing(
                repository: repository, revision: revision,
                folder: snapshots.path, available: available)
        }
        let snapshot = snapshots.appendingPathComponent(commit)
        guard !commit.isEmpty, !commit.contains("/"), fm.fileExists(atPath: snapshot.path) else {
            throw ModelLocationError.revisionMissing(
                repository: repository, revision: revision,
                folder: snapshots.path, available: available)
        }
        guard fm.fileExists(atPath: snapshot.appendingPathComponent("config.json").path) else {
            throw ModelLocationError.incompleteSnapshot(repository: repository, snapshot: snapshot.path)
        }
        return snapshot
    }
}

/// Turns what a user passes as `--model` into a model folder.
public enum ModelLocator {
    /// `spec` is an existing folder → that folder; else `org/name` or `org/name@revision` → its snapshot in the
    /// Hugging Face cache (`cache`, by default the one the environment selects). Relative paths resolve against
    /// `base` (default: the current directory). An existing folder always wins over a cache entry of the same name.
    public static func resolve(
        _ spec: String, cache: HuggingFaceCache = HuggingFaceCache(),
        base: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    ) throws -> URL {
        let local: URL
        if spec.hasPrefix("/") {
            local = URL(fileURLWithPath: spec)
        } else if spec.hasPrefix("~/") {
            local = URL(fileURLWithPath: NSHomeDirectory()).appendingPathComponent(String(spec.dropFirst(2)))
        } else {
            local = base.appendingPathComponent(spec).standardizedFileURL
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: local.path, isDirectory: &isDirectory), isDirectory.boolValue {
            return local
        }
        guard let reference = RepositoryReference(spec) else {
            throw ModelLocationError.notAFolder(spec: spec, path: local.path)
        }
        return try cache.snapshot(of: reference.repository, revision: reference.revision)
    }
}
