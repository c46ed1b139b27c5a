import Foundation

/// Why a download from the Hugging Face Hub failed. Each message says which repository, revision or file, and what
/// the Hub (or the cache) answered; the Hub's own `X-Error-Message` text is kept when it sent one.
public enum HubError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `HF_ENDPOINT` (or the endpoint passed in) is not an absolute http(s) URL.
    case invalidEndpoint(String)
    /// Not `org/name` (letters, digits, `-`, `_`, `.`), optionally `@revision`.
    case invalidRepositoryID(String)
    /// `HF_HUB_OFFLINE` is set, and what was asked for needs the network.
    case offline(repository: String, reason: String)
    /// 404 with `X-Error-Code: RepoNotFound` (or 401 without a token: the Hub hides private repositories).
    case repositoryNotFound(repository: String, message: String)
    /// 404 with `X-Error-Code: RevisionNotFound`.
    case revisionNotFound(repository: String, revision: String, message: String)
    /// 404 with `X-Error-Code: EntryNotFound` (or a plain 404 on a file).
    case entryNotFound(repository: String, revision: String, file: String, message: String)
    /// 401/403 on a gated or private repository.
    case accessDenied(repository: String, status: Int, tokenSent: Bool, message: String)
    /// Any other HTTP status.
    case httpStatus(url: String, status: Int, message: String)
    /// The Hub's answer lacks something the protocol promises (a commit header, an ETag, valid JSON, …).
    case malformedResponse(url: String, reason: String)
    /// The repository holds weights only as pickles (`.bin`, `.pt`, `.ckpt`); Fuse never loads those.
    case onlyPickledWeights(repository: String, revision: String, files: [String])
    /// The selection (the defaults, or `include`/`exclude`) matches no file of the repository.
    case nothingSelected(repository: String, revision: String)
    /// The bytes received do not hash to the sha256 the Hub announced (`X-Linked-Etag`); nothing was kept.
    case checksumMismatch(file: String, expected: String, actual: String)
    /// The body ended with a size other than the one announced (`X-Linked-Size` / `Content-Length`).
    case sizeMismatch(file: String, expected: Int64, actual: Int64)
    /// A transport failure (connection refused or cut, TLS, timeout) after the retries.
    case transport(url: String, reason: String)
    /// The cache cannot be written (permissions, a file where a folder belongs, a full disk).
    case cacheNotWritable(path: String, reason: String)
    /// Too many redirects, or a redirect without a `Location`.
    case badRedirect(url: String, reason: String)

    public var description: String {
        switch self {
        case .invalidEndpoint(let value):
            return "Hugging Face endpoint '\(value)' is not an http(s) URL (e.g. https://huggingface.co)"
        case .invalidRepositoryID(let value):
            return "'\(value)' is not a Hugging Face repository id (org/name, optionally @revision)"
        case .offline(let repository, let reason):
            return "model '\(repository)': HF_HUB_OFFLINE is set, so nothing is downloaded (\(reason))"
        case .repositoryNotFound(let repository, let message):
            return "model '\(repository)': repository not found on the Hub (\(message))"
        case .revisionNotFound(let repository, let revision, let message):
            return "model '\(repository)': revision '\(revision)' not found (\(message))"
        case .entryNotFound(let repository, let revision, let file, let message):
            return "model '\(repository)'@\(revision): file '\(file)' not found (\(message))"
        case .accessDenied(let repository, let status, let tokenSent, let message):
            let hint =
                tokenSent
                ? "the token sent has no access to it"
                : "no token was sent: set HF_TOKEN or log in so the token file exists"
            return "model '\(repository)': access denied (HTTP \(status)): gated or private repository; \(hint) "
                + "(\(message))"
        case .httpStatus(let url, let status, let message):
            return "\(url): HTTP \(status)\(message.isEmpty ? "" : " (\(message))")"
        case .malformedResponse(let url, let reason):
            return "\(url): unexpected answer from the Hub: \(reason)"
        case .onlyPickledWeights(let repository, let revision, let files):
            return "model '\(repository)'@\(revision) has weights only as pickles (\(files.joined(separator: ", "))); "
                + "Fuse loads safetensors only, because unpickling runs code from the file. Convert the weights to "
                + "safetensors, or pick a revision that has them"
        case .nothingSelected(let repository, let revision):
            return "model '\(repository)'@\(revision): no file matches the selection"
        case .checksumMismatch(let file, let expected, let actual):
            return "\(file): sha256 \(actual) differs from the Hub's \(expected); the download was discarded"
        case .sizeMismatch(let file, let expected, let actual):
            return "\(file): received \(actual) bytes, the Hub announced \(expected); the download was discarded"
        case .transport(let url, let reason):
            return "\(url): \(reason)"
        case .cacheNotWritable(let path, let reason):
            return "the Hugging Face cache cannot be written at \(path): \(reason)"
        case .badRedirect(let url, let reason):
            return "\(url): \(reason)"
        }
    }
}
