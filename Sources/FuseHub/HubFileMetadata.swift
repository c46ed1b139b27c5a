import AsyncHTTPClient
import Foundation

/// What `HEAD /{repo}/resolve/{revision}/{file}` says about one file (`get_hf_file_metadata`): the commit, the
/// blob's name (`X-Linked-Etag` for LFS files: their sha256; else the git `ETag`), the size (`X-Linked-Size`, else
/// `Content-Length`) and where the bytes are (`Location` of a redirect to the CDN, else the resolve URL itself).
public struct HubFileMetadata: Sendable, Equatable {
    public var commit: String
    public var etag: String
    public var size: Int64?
    public var location: URL
    /// Stored with Git LFS: its ETag is the sha256 of the content, which is checked before the blob is kept.
    public var isLFS: Bool

    /// The sha256 the content must hash to, when the Hub announced one.
    public var expectedSHA256: String? {
        isLFS && etag.count == 64 && etag.allSatisfy(\.isHexDigit) ? etag.lowercased() : nil
    }

    static func fetch(
        _ repository: String, revision: String, file: String, http: HubHTTP
    ) async throws
        -> HubFileMetadata
    {
        let url = HubURLs.resolve(
            endpoint: http.environment.endpoint, repository: repository, revision: revision,
            file: file)
        let answer = try await http.send(
            .HEAD, url, subject: .file(repository, revision: revision, path: file),
            followAbsoluteRedirects: false)
        guard let commit = answer.header("X-Repo-Commit"), HubURLs.isCommitHash(commit) else {
            throw HubError.malformedResponse(
                url: url.absoluteString,
                reason: "no commit hash in X-Repo-Commit for '\(file)'")
        }
        let linked = HubURLs.normalizeETag(answer.header("X-Linked-Etag"))
        guard let etag = linked ?? HubURLs.normalizeETag(answer.header("ETag")) else {
            throw HubError.malformedResponse(url: url.absoluteString, reason: "no usable ETag for '\(file)'")
        }
        let redirected = (300..<400).contains(answer.status)
        let sizeText = answer.header("X-Linked-Size") ?? (redirected ? nil : answer.header("Content-Length"))
        let location =
            answer.header("Location").flatMap { URL(string: $0, relativeTo: answer.url)?.absoluteURL }
            ?? answer.url
        return HubFileMetadata(
            commit: commit, etag: etag, size: sizeText.flatMap { Int64($0) }, location: location,
            isLFS: linked != nil)
    }
}
